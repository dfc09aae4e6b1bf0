# compare: slt/sltu on signed/unsigned edge pairs, slti/sltiu with negative and boundary
# immediates (sltiu compares against the sign-extended immediate), seqz/snez/sltz/sgtz.
    .globl _start
    .data
    .p2align 2
pairs:
    .word -1, 1
    .word 1, -1
    .word 0x80000000, 0x7fffffff
    .word 0x7fffffff, 0x80000000
    .word 0, 0
    .word -5, -3
    .word -3, -5
    .word 0, -1
    .word 0x80000000, 0
    .word 7, 7
pairs_end:
singles:
    .word 0, 1, -1, 2047, 2048, -2048, -2049, 0x7fffffff, 0x80000000, 0xfffff800, 0xfffff7ff
singles_end:
    .text
_start:
    # pack each comparison result as one bit: s4 = (s4 << 1) | bit
    la s0, pairs
1:  lw s2, 0(s0)
    lw s3, 4(s0)
    slt t4, s2, s3
    slt t5, s3, s2
    sltu t6, s2, s3
    sltu a3, s3, s2
    slli a0, t4, 12
    slli t5, t5, 8
    or a0, a0, t5
    slli t6, t6, 4
    or a0, a0, t6
    or a0, a0, a3
    call puthex
    addi s0, s0, 8
    la t0, pairs_end
    bltu s0, t0, 1b
    la s0, singles
2:  lw s2, 0(s0)
    li s4, 0
    slti t0, s2, 0
    slli s4, s4, 1
    or s4, s4, t0
    slti t0, s2, -1
    slli s4, s4, 1
    or s4, s4, t0
    slti t0, s2, 2047
    slli s4, s4, 1
    or s4, s4, t0
    slti t0, s2, -2048
    slli s4, s4, 1
    or s4, s4, t0
    slti t0, s2, 1
    slli s4, s4, 1
    or s4, s4, t0
    sltiu t0, s2, 0             # always 0
    slli s4, s4, 1
    or s4, s4, t0
    sltiu t0, s2, 1             # == seqz
    slli s4, s4, 1
    or s4, s4, t0
    sltiu t0, s2, -1            # s2 <u 0xffffffff
    slli s4, s4, 1
    or s4, s4, t0
    sltiu t0, s2, -2048         # s2 <u 0xfffff800
    slli s4, s4, 1
    or s4, s4, t0
    sltiu t0, s2, 2047
    slli s4, s4, 1
    or s4, s4, t0
    seqz t0, s2
    slli s4, s4, 1
    or s4, s4, t0
    snez t0, s2
    slli s4, s4, 1
    or s4, s4, t0
    sltz t0, s2
    slli s4, s4, 1
    or s4, s4, t0
    sgtz t0, s2
    slli s4, s4, 1
    or s4, s4, t0
    mv a0, s4
    call puthex
    addi s0, s0, 4
    la t0, singles_end
    bltu s0, t0, 2b
    # rd aliasing: slt into a source register
    li a0, -1
    sltu a0, zero, a0           # 0 <u ffffffff -> 1
    call puthex
    li a0, -1
    slt a0, a0, zero            # 1
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
