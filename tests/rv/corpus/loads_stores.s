# loads_stores: sign/zero extension of lb/lh/lw/lbu/lhu on 0x80/0xff bytes and 0x8000 halves,
# sb/sh/sw (truncation) then re-read, negative and +-2047/2048 offsets, symbol-operand
# loads/stores (lw a0, sym / sw a0, sym, t0), unaligned .byte/.half/.word after odd .ascii.
    .globl _start
    .data
    .p2align 2
bytes:  .byte 0x80, 0xff, 0x7f, 0x00, 0x01, -1, -128, 'A'
halves: .half 0x8000, 0xffff, 0x7fff, 0x0001, -2, 0x1234
words:  .word 0x80000000, 0xffffffff, 0x12345678, -2
odd:    .ascii "xyz"            # 3 bytes: everything below is unaligned
ub:     .byte 0xab
uh:     .half 0xbeef            # at odd+4: 2-byte aligned only by accident
uw:     .word 0xcafef00d        # at odd+6: not 4-byte aligned
ub2:    .byte 0x5a
uh2:    .half 0x8001            # at odd+11: odd address
uw2:    .word 0x01020304        # at odd+13
end_unaligned:
    .p2align 2
big:    .space 4096             # for +-2047/2048 style offsets
    .bss
    .p2align 2
buf:    .space 16
    .text
_start:
    la s0, bytes
    # ---- every load width on the byte table
    li s1, 0
1:  add t4, s0, s1
    lb a0, 0(t4)
    call puthex
    lbu a0, 0(t4)
    call puthex
    addi s1, s1, 1
    li t0, 8
    blt s1, t0, 1b
    la s0, halves
    li s1, 0
2:  add t4, s0, s1
    lh a0, 0(t4)
    call puthex
    lhu a0, 0(t4)
    call puthex
    addi s1, s1, 2
    li t0, 12
    blt s1, t0, 2b
    la s0, words
    lw a0, 0(s0)
    call puthex
    lw a0, 4(s0)
    call puthex
    lw a0, 8(s0)
    call puthex
    lw a0, 12(s0)
    call puthex
    lb a0, 3(s0)                # top byte of 0x80000000 -> ffffff80
    call puthex
    lbu a0, 3(s0)
    call puthex
    lh a0, 2(s0)                # ffff8000
    call puthex
    lhu a0, 2(s0)               # 00008000
    call puthex
    lh a0, 10(s0)               # 0x1234
    call puthex
    lb a0, 8(s0)                # 0x78
    call puthex
    addi s1, s0, 16
    lw a0, -8(s1)               # negative offset: 12345678
    call puthex
    lhu a0, -14(s1)             # 8000
    call puthex
    # ---- symbol-operand loads (auipc + load pseudo)
    lw a0, words+8              # 12345678
    call puthex
    lb a0, bytes                # ffffff80
    call puthex
    lbu a0, bytes+1             # ff
    call puthex
    lh a0, halves               # ffff8000
    call puthex
    lhu a0, halves              # 8000
    call puthex
    # ---- stores, then re-read
    la s2, buf
    li t0, 0x11223344
    sw t0, 0(s2)
    li t0, 0x1ff                # sb keeps only the low byte
    sb t0, 1(s2)
    li t0, 0x12348000           # sh keeps only the low half
    sh t0, 6(s2)
    li t0, -1
    sh t0, 4(s2)
    lw a0, 0(s2)                # 1122ff44
    call puthex
    lw a0, 4(s2)                # 8000ffff
    call puthex
    lb a0, 1(s2)                # ffffffff
    call puthex
    lbu a0, 1(s2)               # ff
    call puthex
    lh a0, 6(s2)                # ffff8000
    call puthex
    lhu a0, 4(s2)               # ffff
    call puthex
    sw zero, 8(s2)
    li t0, -1
    sb t0, 11(s2)
    lw a0, 8(s2)                # ff000000
    call puthex
    # ---- symbol-operand stores: sw rs, sym, tmp
    li t1, 0xa5a5a5a5
    sw t1, buf, t0
    li t1, 0x7e
    sb t1, buf+3, t0
    li t1, 0xc3c3
    sh t1, buf+12, t0
    li t1, 0x1234
    sh t1, buf+14, t0
    lw a0, buf                  # 7ea5a5a5
    call puthex
    lw a0, buf+12               # 1234c3c3
    call puthex
    # ---- big offsets
    la s3, big
    addi s4, s3, 2047
    addi s4, s4, 1              # s4 = big + 2048
    li t0, 0x77665544
    sb t0, 2047(s3)             # big+2047 = 0x44
    lbu a0, -1(s4)              # 00000044
    call puthex
    li t0, 0x99
    sb t0, -2048(s4)            # big+0
    lbu a0, 0(s3)
    call puthex
    addi s5, s3, 2047
    lb a0, -2047(s5)            # ffffff99
    call puthex
    # ---- unaligned data layout, read back byte by byte (little endian)
    la s6, odd
    la s7, end_unaligned
3:  lbu a0, 0(s6)
    call puthex
    addi s6, s6, 1
    bltu s6, s7, 3b
    # assemble the unaligned word uw from its bytes
    la t4, uw
    lbu t0, 0(t4)
    lbu t1, 1(t4)
    slli t1, t1, 8
    or t0, t0, t1
    lbu t1, 2(t4)
    slli t1, t1, 16
    or t0, t0, t1
    lbu t1, 3(t4)
    slli t1, t1, 24
    or a0, t0, t1               # cafef00d
    call puthex
    # label distances show there is no implicit alignment padding
    la t0, odd
    la t1, uw2
    sub a0, t1, t0              # 0xd
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
