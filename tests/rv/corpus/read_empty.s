# read_empty: read from an empty stdin returns 0 (twice), the buffer is left untouched,
# and a zero-length write writes nothing. Exit code 1.
    .globl _start
    .data
buf:    .ascii "UNCHANGED\n"
    .text
_start:
    li a0, 0
    la a1, buf
    li a2, 8
    li a7, 63
    ecall
    call puthex                 # 0
    li a0, 0
    la a1, buf
    li a2, 1
    li a7, 63
    ecall
    call puthex                 # 0
    li a0, 1
    la a1, buf
    li a2, 0
    li a7, 64
    ecall                       # writes nothing
    li a0, 1
    la a1, buf
    li a2, 10
    li a7, 64
    ecall                       # "UNCHANGED\n"
    li a0, 1
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
