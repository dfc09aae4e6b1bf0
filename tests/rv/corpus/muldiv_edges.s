# muldiv_edges: all 8 M-extension ops over a table of operand pairs covering every
# sign combination, division/remainder by zero, INT_MIN / -1 overflow, and rd==rs aliasing.
    .globl _start
    .equ INT_MIN, 0x80000000
    .equ INT_MAX, 0x7fffffff
    .data
    .p2align 2
pairs:
    .word 7, 3
    .word -7, 3
    .word 7, -3
    .word -7, -3
    .word INT_MIN, -1           # div overflow: quotient INT_MIN, remainder 0
    .word INT_MIN, 1
    .word INT_MAX, -1
    .word 5, 0                  # division by zero
    .word -5, 0
    .word 0, 0
    .word INT_MIN, 0
    .word -1, -1
    .word INT_MAX, INT_MAX
    .word INT_MIN, INT_MIN
    .word INT_MAX, INT_MIN
    .word INT_MIN, INT_MAX
    .word 0x12345678, 0x9abcdef0
    .word 0x9abcdef0, 0x12345678
    .word -1, 2
    .word 2, -1
    .word 0x10000, 0x10000
    .word -0x10000, 0x10000
    .word INT_MIN, 2
    .word 0xdeadbeef, 0xcafebabe
pairs_end:
    .text
_start:
    la s0, pairs
    la s1, pairs_end
loop:
    lw s2, 0(s0)                # a
    lw s3, 4(s0)                # b
    mul a0, s2, s3
    call puthex
    mulh a0, s2, s3
    call puthex
    mulhsu a0, s2, s3           # a signed, b unsigned
    call puthex
    mulhu a0, s2, s3
    call puthex
    div a0, s2, s3
    call puthex
    divu a0, s2, s3
    call puthex
    rem a0, s2, s3
    call puthex
    remu a0, s2, s3
    call puthex
    addi s0, s0, 8
    bltu s0, s1, loop
    # ---- aliasing: destination equals a source
    li a0, -3
    mul a0, a0, a0              # 9
    call puthex
    li a0, 100
    li a1, 7
    div a0, a0, a1              # 14
    call puthex
    li a1, 100
    li a0, 7
    rem a0, a1, a0              # 2
    call puthex
    li a0, 0xffffffff
    mulhu a0, a0, a0            # fffffffe
    call puthex
    li a0, -1
    mulhsu a0, a0, a0           # -1 * 0xffffffff -> high word ffffffff
    call puthex
    li a0, 12345
    divu a0, a0, zero           # ffffffff
    call puthex
    li a0, 12345
    remu a0, a0, zero           # 12345
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
