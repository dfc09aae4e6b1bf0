# li_constants: li with constants needing addi only, lui only, and lui+addi where the low
# 12 bits are >= 0x800 so the upper part must be incremented (carry), plus .equ symbols.
    .globl _start
    .equ K_CARRY, 0x12345fff
    .set K_NEG, -2049
    .text
_start:
    li a0, 0
    call puthex
    li a0, 1
    call puthex
    li a0, -1
    call puthex
    li a0, 2047
    call puthex
    li a0, 2048
    call puthex
    li a0, -2048
    call puthex
    li a0, -2049
    call puthex
    li a0, 0x7fffffff
    call puthex
    li a0, 0x80000000
    call puthex
    li a0, 0xffffffff
    call puthex
    li a0, 0x12345fff
    call puthex
    li a0, 0xfffff800
    call puthex
    li a0, 0x800
    call puthex
    li a0, 0x7ff
    call puthex
    li a0, 0xfff
    call puthex
    li a0, 0x1000
    call puthex
    li a0, 0x1800
    call puthex
    li a0, 0x7ffff800
    call puthex
    li a0, 0x7ffff7ff
    call puthex
    li a0, 0x80000800
    call puthex
    li a0, 0xfffff7ff
    call puthex
    li a0, 0xdeadbeef
    call puthex
    li a0, -123456789
    call puthex
    li a0, 0x00012000
    call puthex
    li a0, 'Z'
    call puthex
    li a0, K_CARRY
    call puthex
    li a0, K_NEG
    call puthex
    li a0, K_CARRY+1
    call puthex
    li a0, 0-K_CARRY
    call puthex
    li a0, (3+4)*0x100-1
    call puthex
    li t6, 0x87654321           # into a non-argument register
    mv a0, t6
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
