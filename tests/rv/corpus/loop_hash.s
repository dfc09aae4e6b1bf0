# loop_hash: 4000 iterations of an LCG and a multiply/xor/shift hash (mul, mulhu, srl, xor),
# plus a 2000-iteration countdown loop using bnez; prints the final states.
    .globl _start
    .text
_start:
    li s0, 12345                # LCG state
    li s1, 0x811c9dc5           # hash state
    li s2, 4000                 # iterations
    li s3, 1664525
    li s4, 1013904223
    li s5, 0x01000193
1:  mul s0, s0, s3
    add s0, s0, s4              # s0 = s0 * 1664525 + 1013904223 (mod 2^32)
    srli t0, s0, 16
    xor s1, s1, t0
    mul s1, s1, s5              # FNV-style multiply
    mulhu t1, s0, s5
    add s1, s1, t1
    addi s2, s2, -1
    bnez s2, 1b
    mv a0, s0
    call puthex
    mv a0, s1
    call puthex
    li t0, 2000
    li t1, 0
2:  addi t1, t1, 3
    addi t0, t0, -1
    bnez t0, 2b
    mv a0, t1                   # 6000 = 0x1770
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
