# sieve_bss: sieve of Eratosthenes over a 3000-byte .bss buffer (zero at start, written then
# read back); loops of a few thousand iterations. Prints prime count, sum and largest prime.
    .globl _start
    .equ N, 3000
    .bss
flags:  .space N                # 1 = composite
    .text
_start:
    la s0, flags
    # the buffer starts zeroed: OR all of it together
    li t0, 0
    li t1, 0
1:  add t2, s0, t1
    lbu t3, 0(t2)
    or t0, t0, t3
    addi t1, t1, 1
    li t2, N
    blt t1, t2, 1b
    mv a0, t0                   # 0
    call puthex
    li s1, 2                    # p
2:  mul t0, s1, s1
    li t1, N
    bge t0, t1, 4f              # p*p >= N: done
    add t2, s0, s1
    lbu t3, 0(t2)
    bnez t3, 3f                 # p composite
    li t4, 1
1:  add t2, s0, t0              # mark p*p, p*p+p, ...
    sb t4, 0(t2)
    add t0, t0, s1
    blt t0, t1, 1b
3:  addi s1, s1, 1
    j 2b
4:  li s2, 0                    # count
    li s3, 0                    # sum
    li s4, 0                    # largest
    li s1, 2
1:  add t2, s0, s1
    lbu t3, 0(t2)
    bnez t3, 2f
    addi s2, s2, 1
    add s3, s3, s1
    mv s4, s1
2:  addi s1, s1, 1
    li t1, N
    bltu s1, t1, 1b
    mv a0, s2                   # 430 primes below 3000 = 0x1ae
    call puthex
    mv a0, s3
    call puthex
    mv a0, s4                   # 2999 = 0xbb7
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
