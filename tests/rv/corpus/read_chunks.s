# read_chunks: read stdin with count 3 repeatedly until read returns 0, echoing each chunk
# with write(count = bytes read); input length is not a multiple of 3 (last read is short).
# Prints the number of non-empty reads, total bytes, and the size of the last short read.
    .globl _start
    .bss
buf:    .space 4
    .text
_start:
    li s0, 0                    # non-empty reads
    li s1, 0                    # total bytes
    li s2, 0                    # last chunk size
1:  li a0, 0
    la a1, buf
    li a2, 3
    li a7, 63
    ecall                       # a0 = bytes read
    beqz a0, 2f
    addi s0, s0, 1
    add s1, s1, a0
    mv s2, a0
    mv a2, a0
    li a0, 1
    la a1, buf
    li a7, 64
    ecall
    j 1b
2:  mv a0, s0
    call puthex
    mv a0, s1
    call puthex
    mv a0, s2
    call puthex
    # reading again after end of input still returns 0
    li a0, 0
    la a1, buf
    li a2, 3
    li a7, 63
    ecall
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
