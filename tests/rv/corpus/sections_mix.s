# sections_mix: code and data split over several interleaved .text/.data/.rodata/.bss chunks
# (written both as .text/.data/.bss and as .section NAME); .ascii/.asciz/.string/.space/.zero;
# .globl and .global; strlen over .asciz/.string terminators.
    .global _start
    .globl helper
    .section .data
s1:     .asciz "hello"          # 6 bytes including the NUL
s2:     .string "world!\n"      # 8 bytes including the NUL
gap:    .space 3                # three zero bytes
raw:    .ascii "AB"             # no terminator
        .zero 2
    .section .text
_start:
    la a0, s1
    call strlen                 # 5
    call puthex
    la a0, s2
    call strlen                 # 7
    call puthex
    la a0, raw
    call strlen                 # 2 (stops at the .zero bytes)
    call puthex
    j part2
    .data
part_b: .word 0x1111            # second .data chunk follows the first one
    .section .bss
    .p2align 2
zb:     .zero 12
zb2:    .space 5
    .text
part2:
    la t0, s1
    la t1, part_b
    sub a0, t1, t0              # 6+8+3+2+2 = 0x15: chunks are concatenated in order
    call puthex
    la s0, part_b               # offset 0x15: not 4-aligned, so read it bytewise
    lbu a0, 0(s0)               # 11
    call puthex
    lbu a0, 1(s0)               # 11
    call puthex
    lbu a0, 2(s0)               # 0
    call puthex
    la s0, zb
    la t1, zb2
    sub a0, t1, s0              # c
    call puthex
    lw a0, 8(s0)                # 0 (.bss is zero)
    call puthex
    la s0, gap
    lbu a0, 2(s0)               # 0
    call puthex
    call helper
    call puthex                 # 0x9e
    la a0, s2
    call strlen
    mv a2, a0
    la a1, s2
    li a0, 1
    li a7, 64
    ecall                       # "world!\n"
    la a1, ro_msg
    li a2, 3
    li a0, 1
    li a7, 64
    ecall                       # "ro\n"
    li a0, 0
    li a7, 93
    ecall
    .section .rodata
ro_msg: .ascii "ro\n"
    .section .text
# strlen(a0) -> a0, counting bytes before the first NUL
strlen:
    mv t0, a0
1:  lbu t1, 0(t0)
    beqz t1, 2f
    addi t0, t0, 1
    j 1b
2:  sub a0, t0, a0
    ret
    .data
    .p2align 2
hval:   .word 0x9e
    .text
helper:
    lw a0, hval
    ret

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
