# local_labels: numeric local labels reused many times, referenced forward (1f) and backward
# (1b), nested loops with distinct numbers, and a label referenced both ways from one spot.
    .globl _start
    .text
_start:
    # 1) sum 1..10 with a backward loop
    li t0, 10
    li s0, 0
1:  add s0, s0, t0
    addi t0, t0, -1
    bnez t0, 1b
    mv a0, s0                   # 0x37
    call puthex
    # 2) forward skip over a clobber, label 1 reused
    li s0, 7
    j 1f
    li s0, 99                   # skipped
1:  mv a0, s0                   # 7
    call puthex
    # 3) nested loops: 2 outer, 1 inner, count iterations 5*6
    li s0, 0
    li t0, 5
2:  li t1, 6
1:  addi s0, s0, 1
    addi t1, t1, -1
    bnez t1, 1b
    addi t0, t0, -1
    bnez t0, 2b
    mv a0, s0                   # 0x1e
    call puthex
    # 4) label 3 referenced forward and backward from one place
    li s0, 0
    li s1, 3
3:  addi s0, s0, 16
    addi s1, s1, -1
    beqz s1, 3f                 # forward: exits the loop
    j 3b                        # backward: the loop head
3:  mv a0, s0                   # 0x30
    call puthex
    # 5) many reuses of the same number in a row
    li s0, 0
    j 1f
1:  addi s0, s0, 1
    j 1f
1:  addi s0, s0, 2
    j 1f
1:  addi s0, s0, 4
    bnez zero, 1b               # never taken
    j 1f
1:  addi s0, s0, 8
1:  mv a0, s0                   # 0xf
    call puthex
    # 6) labels with larger numbers and a 2-level forward chain
    li s0, 1
    beqz zero, 10f
    li s0, 2
10: beqz zero, 42f
    li s0, 3
42: addi s0, s0, 0x40
    mv a0, s0                   # 0x41
    call puthex
    # 7) a label on its own line before the instruction
    li s0, 3
    li s1, 0
5:
    addi s1, s1, 0x100
    addi s0, s0, -1
    bgtz s0, 5b
5:
    mv a0, s1                   # 0x300
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
