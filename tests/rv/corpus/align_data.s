# align_data: .align/.p2align in .data, .rodata and .bss after odd-sized items; the padding
# bytes are zero, label distances show the padding, and aligned labels have clear low bits.
    .globl _start
    .data
d0:     .byte 1
        .p2align 2              # 3 bytes of padding
d1:     .byte 2, 3
        .align 2                # .align n = 2^n bytes on RISC-V: 2 bytes of padding
d2:     .half 0x0404
        .p2align 3              # d2 is at 8, ends at 10: 6 bytes of padding
d3:     .byte 5
        .p2align 1              # 1 byte
d4:     .half 0x0606
        .p2align 0              # nothing
d5:     .byte 7
        .p2align 4              # to 16
d6:     .word 0x08080808
        .align 2                # already aligned: nothing
d7:     .ascii "abcde"
        .p2align 2
d8:     .word 0x09090909
d_end:
    .section .rodata
r0:     .byte 0x11
        .p2align 3
r1:     .word 0x22222222
    .bss
b0:     .space 1
        .p2align 4
b1:     .space 4
        .align 3
b2:     .zero 8
    .text
_start:
    # dump the .data bytes d0..d_end including padding
    la s0, d0
    la s1, d_end
1:  lbu a0, 0(s0)
    call puthex
    addi s0, s0, 1
    bltu s0, s1, 1b
    # label offsets from d0
    la s0, d0
    la a0, d1
    sub a0, a0, s0              # 4
    call puthex
    la a0, d2
    sub a0, a0, s0              # 8
    call puthex
    la a0, d3
    sub a0, a0, s0              # 0x10
    call puthex
    la a0, d4
    sub a0, a0, s0              # 0x12
    call puthex
    la a0, d5
    sub a0, a0, s0              # 0x14
    call puthex
    la a0, d6
    sub a0, a0, s0              # 0x20
    call puthex
    la a0, d7
    sub a0, a0, s0              # 0x24
    call puthex
    la a0, d8
    sub a0, a0, s0              # 0x2c
    call puthex
    la a0, d6
    andi a0, a0, 15             # 0
    call puthex
    # rodata
    la t0, r0
    la t1, r1
    sub a0, t1, t0              # 8
    call puthex
    lw a0, r1                   # 22222222
    call puthex
    andi a0, t1, 7
    call puthex
    # bss: aligned and zero-initialised
    la t0, b0
    la t1, b1
    sub a0, t1, t0              # 0x10
    call puthex
    la t0, b1
    la t1, b2
    sub a0, t1, t0              # 8
    call puthex
    la t1, b2
    lw a0, 4(t1)                # 0
    call puthex
    la a0, b1
    andi a0, a0, 15             # 0
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
