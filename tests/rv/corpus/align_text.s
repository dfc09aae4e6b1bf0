# align_text: .align/.p2align inside .text, where the padding is executed as nops;
# cases with 0, 1, 2 and 3 nops of padding, a 32-byte alignment, and a loop whose target is aligned.
    .globl _start
    .text
_start:
    li s0, 0
    .p2align 4                  # 3 nops (li is one instruction at a 16-aligned start)
L0: addi s0, s0, 1
    .p2align 4                  # 3 nops
L1: addi s0, s0, 1
    addi s0, s0, 1
    .p2align 4                  # 2 nops
L2: addi s0, s0, 1
    addi s0, s0, 1
    addi s0, s0, 1
    .p2align 4                  # 1 nop
L3: addi s0, s0, 1
    addi s0, s0, 1
    addi s0, s0, 1
    addi s0, s0, 1
    .p2align 4                  # 0 nops
L4: .align 2                    # 0 nops: already aligned
    .p2align 3                  # 0 nops
    addi s0, s0, 1
    .align 3                    # .align n means 2^n bytes on RISC-V: 1 nop
L5: nop
    .p2align 2                  # 0 nops: instructions are always 4-aligned
    .p2align 0
    .p2align 5                  # pad to 32 bytes: 1 nop here
L6: li s1, 100                  # loop whose target is 16-aligned
    li s2, 0
    .p2align 4
L7: add s2, s2, s1
    addi s1, s1, -1
    bnez s1, L7
    mv a0, s0                   # 11 increments
    call puthex
    mv a0, s2                   # 5050 = 0x13ba
    call puthex
    # distances between the aligned labels show the padding
    la t4, L0
    la t5, _start
    sub a0, t4, t5              # 0x10
    call puthex
    la t4, L1
    la t5, L0
    sub a0, t4, t5              # 0x10
    call puthex
    la t4, L2
    la t5, L1
    sub a0, t4, t5              # 0x10
    call puthex
    la t4, L3
    la t5, L2
    sub a0, t4, t5              # 0x10
    call puthex
    la t4, L4
    la t5, L3
    sub a0, t4, t5              # 0x10
    call puthex
    la t4, L5
    la t5, L4
    sub a0, t4, t5              # 0x8
    call puthex
    la t4, L6
    la t5, L5
    sub a0, t4, t5              # 0x8 (nop + 1 padding nop)
    call puthex
    la t4, L7
    la t5, L6
    sub a0, t4, t5              # 0x10
    call puthex
    # aligned labels have zero low bits
    la a0, L6
    andi a0, a0, 31             # 0
    call puthex
    la a0, L7
    andi a0, a0, 15             # 0
    call puthex
    li a0, 0
    li a7, 93
    ecall
    .p2align 2

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
