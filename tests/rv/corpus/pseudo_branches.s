# pseudo_branches: every branch (beq bne blt bge bltu bgeu) and branch pseudo (beqz bnez bltz
# bgez blez bgtz bgt ble bgtu bleu) over signed/unsigned edge pairs; the taken/not-taken
# outcomes are packed into one word per pair (bit order = order of the tests below).
    .globl _start
    .data
    .p2align 2
pairs:
    .word 0, 0
    .word 1, 0
    .word 0, 1
    .word -1, 1
    .word 1, -1
    .word -1, -1
    .word 0x80000000, 0x7fffffff
    .word 0x7fffffff, 0x80000000
    .word 0x80000000, 0
    .word -2, -3
    .word 0, -1
pairs_end:
    .text
_start:
    la s0, pairs
loop:
    lw s2, 0(s0)
    lw s3, 4(s0)
    li s4, 0
    # each test: shift s4 left, then add 1 if the branch is taken
    slli s4, s4, 1
    beq s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bne s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    blt s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bge s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bltu s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bgeu s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bgt s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    ble s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bgtu s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bleu s2, s3, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    beqz s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bnez s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bltz s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bgez s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    blez s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  slli s4, s4, 1
    bgtz s2, 1f
    j 2f
1:  addi s4, s4, 1
2:  mv a0, s4
    call puthex
    addi s0, s0, 8
    la t0, pairs_end
    blt s0, t0, loop            # signed compare of addresses (both small positive)
    # backward conditional branches
    li s1, 0
    li s2, 5
3:  addi s1, s1, 1
    addi s2, s2, -1
    bgtz s2, 3b
    li s2, -4
4:  addi s1, s1, 0x10
    addi s2, s2, 1
    bltz s2, 4b
    li s2, 0x80000003
    li s3, 0x80000000
5:  addi s1, s1, 0x100
    addi s2, s2, -1
    bgeu s2, s3, 5b             # loop until s2 wraps below 0x80000000: 4 times
    mv a0, s1                   # 0x445
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
