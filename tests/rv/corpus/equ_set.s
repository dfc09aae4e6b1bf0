# equ_set: .equ/.set constants (defined from other constants, with + - * and parentheses)
# used in li, in addi/andi/slli immediates, in load/store offsets and in .word/.half/.byte data;
# .set redefinition (each use sees the value defined before it); .word sym+const.
    .globl _start
    .equ N, 10
    .set M, N*3+2               # 32
    .equ BIG, 0x12345fff
    .set NEG, -2049
    .equ OFF_C, 8
    .equ SHIFT, 4
    .equ MASK, (1 + 0xff0) - 0xf00  # 0xf1
    .data
    .p2align 2
tbl:    .word N, M, BIG, NEG, (N+1)*(M-2), 0-N
        .half N*100, 0-M
        .byte M, N-1, 'K'
        .byte 0
ptrs:   .word tbl+4, tbl+OFF_C, ptrs-4
    .set V, 1
    .text
_start:
    li a0, N                    # a
    call puthex
    li a0, M                    # 20
    call puthex
    li a0, BIG                  # 12345fff
    call puthex
    li a0, NEG                  # fffff7ff
    call puthex
    li a0, 1-M*M                # fffffc01
    call puthex
    addi a0, zero, N-M          # ffffffea
    call puthex
    li t0, 0xfff
    andi a0, t0, MASK           # f1
    call puthex
    li t0, 3
    slli a0, t0, SHIFT          # 30
    call puthex
    la s0, tbl
    lw a0, OFF_C(s0)            # BIG
    call puthex
    lw a0, OFF_C+4(s0)          # NEG
    call puthex
    lw a0, 4*4(s0)              # 330 = 0x14a
    call puthex
    lw a0, 20(s0)               # fffffff6
    call puthex
    lh a0, 24(s0)               # 1000 = 0x3e8
    call puthex
    lh a0, 26(s0)               # ffffffe0
    call puthex
    lbu a0, 28(s0)              # 20
    call puthex
    lbu a0, 29(s0)              # 9
    call puthex
    lbu a0, 30(s0)              # 'K' = 4b
    call puthex
    # .word sym+const resolve to addresses
    lw t0, ptrs
    sub a0, t0, s0              # 4
    call puthex
    lw t0, ptrs+4
    sub a0, t0, s0              # 8
    call puthex
    lw t0, ptrs+8
    la t1, ptrs
    sub a0, t1, t0              # 4
    call puthex
    # .set redefinition: each li uses the value in force at that point
    li a0, V                    # 1
    call puthex
    .set V, V+1
    li a0, V                    # 2
    call puthex
    .set V, V*10
    li a0, V                    # 14
    call puthex
    li a0, 0
    li a7, 93
    ecall

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
