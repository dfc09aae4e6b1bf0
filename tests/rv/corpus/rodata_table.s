# rodata_table: a .section .rodata with a jump table of code addresses (.word label),
# a .byte nibble-popcount table, a .half squares table, strings, and .word sym+const entries.
    .globl _start
    .section .rodata
    .p2align 2
jumptab: .word case0, case1, case2, case3
strtab:  .word s_zero, s_one, s_two, s_three+1
lentab:  .byte 5, 4, 4, 5
nibpop:  .byte 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4
    .p2align 1
squares: .half 0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225, 65025
s_zero:  .ascii "zero\n"
s_one:   .ascii "one\n"
s_two:   .ascii "two\n"
s_three: .ascii "*three\n"          # entry points one past the '*'
    .data
    .p2align 2
words:   .word 0, 1, 0xffffffff, 0x80000001, 0x12345678, 0xf0f0f0f0
words_end:
    .text
_start:
    # jump table dispatch for i = 3, 0, 2, 1
    li s0, 3
    call dispatch
    li s0, 0
    call dispatch
    li s0, 2
    call dispatch
    li s0, 1
    call dispatch
    # string table lookup + write
    li s0, 0
1:  la t0, strtab
    slli t1, s0, 2
    add t0, t0, t1
    lw a1, 0(t0)
    la t0, lentab
    add t0, t0, s0
    lbu a2, 0(t0)
    li a0, 1
    li a7, 64
    ecall
    addi s0, s0, 1
    li t0, 4
    bne s0, t0, 1b
    # popcount of each word via the nibble table
    la s1, words
2:  lw s2, 0(s1)
    li s3, 0                    # count
    li s4, 8                    # nibbles left
3:  andi t0, s2, 15
    la t1, nibpop
    add t1, t1, t0
    lbu t0, 0(t1)
    add s3, s3, t0
    srli s2, s2, 4
    addi s4, s4, -1
    bnez s4, 3b
    mv a0, s3
    call puthex
    addi s1, s1, 4
    la t0, words_end
    bltu s1, t0, 2b
    # squares: sum of the first 16 and the last (unsigned half 65025)
    la s1, squares
    li s2, 0
    li s3, 16
4:  lhu t0, 0(s1)
    add s2, s2, t0
    addi s1, s1, 2
    addi s3, s3, -1
    bnez s3, 4b
    mv a0, s2                   # 1240 = 0x4d8
    call puthex
    lhu a0, 0(s1)               # fe01
    call puthex
    lh a0, 0(s1)                # fffffe01
    call puthex
    li a0, 0
    li a7, 93
    ecall

dispatch:
    la t0, jumptab
    slli t1, s0, 2
    add t0, t0, t1
    lw t0, 0(t0)
    jr t0                       # the case returns to dispatch's caller
case0:
    li a0, 0xc0
    tail puthex
case1:
    li a0, 0xc1
    tail puthex
case2:
    li a0, 0xc2
    tail puthex
case3:
    li a0, 0xc3
    tail puthex

# ---- puthex: write a0 as 8 hex digits + '\n' to stdout.
# Preserves a0 and s-registers; clobbers t0-t3, a1, a2, a7.
puthex:
    addi sp, sp, -16
    li t0, 28               # current shift amount
    mv t1, sp               # output cursor
1:  srl t2, a0, t0
    andi t2, t2, 15
    li t3, 10
    blt t2, t3, 2f
    addi t2, t2, 87         # 10..15 -> 'a'..'f'
    j 3f
2:  addi t2, t2, '0'
3:  sb t2, 0(t1)
    addi t1, t1, 1
    addi t0, t0, -4
    bgez t0, 1b
    li t2, 10               # newline
    sb t2, 0(t1)
    mv t3, a0
    li a0, 1
    mv a1, sp
    li a2, 9
    li a7, 64
    ecall
    mv a0, t3
    addi sp, sp, 16
    ret
