# shifts: sll/srl/sra with register shift amounts 0..31 and >= 32 or negative (only the
# low 5 bits count), on negative and positive values; slli/srli/srai with 0, 1, 31.
    .globl _start
    .data
    .p2align 2
values:
    .word 0x80000001, 0x12345678, -1, 1
values_end:
amounts:
    .word 0, 1, 4, 31, 32, 33, 63, -1, 0x80000004, 71, -31
amounts_end:
    .text
_start:
    la s0, values
vloop:
    lw s2, 0(s0)
    la s1, amounts
aloop:
    lw s3, 0(s1)
    sll a0, s2, s3
    call puthex
    srl a0, s2, s3
    call puthex
    sra a0, s2, s3
    call puthex
    addi s1, s1, 4
    la t0, amounts_end
    bne s1, t0, aloop
    # immediate forms
    slli a0, s2, 0
    call puthex
    slli a0, s2, 1
    call puthex
    slli a0, s2, 31
    call puthex
    srli a0, s2, 0
    call puthex
    srli a0, s2, 1
    call puthex
    srli a0, s2, 31
    call puthex
    srai a0, s2, 0
    call puthex
    srai a0, s2, 1
    call puthex
    srai a0, s2, 31
    call puthex
    srai a0, s2, 16
    call puthex
    addi s0, s0, 4
    la t0, values_end
    bltu s0, t0, vloop
    # shift amount register equal to destination / source
    li a0, 3
    sll a0, a0, a0              # 3 << 3 = 0x18
    call puthex
    li a0, -64
    sra a0, a0, a0              # -64 >> (-64 & 31 = 0) = -64
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
