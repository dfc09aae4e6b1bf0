# hi_lo: %hi/%lo of data symbols whose low 12 address bits are >= 0x800 (forced by
# .p2align 12 + .space) and of constants; la, lla, auipc used directly, symbol+offset.
    .globl _start
    .equ CONST, 0x12345fff
    .data
    .p2align 12                 # address low 12 bits are now 0x000
pad:    .space 0x800
target: .word 0x600dc0de        # low 12 bits of the address: 0x800 (bit 11 set)
        .word 0x11111111
        .space 0x7f0 - 8
tgt2:   .word 0x0badf00d        # low 12 bits: 0xff0
        .half 0x8001
        .byte 0x80, 0x7f
slot:   .word 0                 # low 12 bits: 0xff8
slot2:  .word 0                 # low 12 bits: 0xffc
after:  .word 0x5eed            # low 12 bits: 0x000 of the next page
    .text
_start:
    lui t0, %hi(target)
    lw a0, %lo(target)(t0)      # 600dc0de
    call puthex
    lui t0, %hi(target)
    addi t0, t0, %lo(target)
    la t1, target
    sub a0, t0, t1              # 0
    call puthex
    addi a0, zero, %lo(target)  # %lo is sign-extended: fffff800
    call puthex
    la a0, target
    slli a0, a0, 20
    srli a0, a0, 20             # low 12 bits of the address: 800
    call puthex
    lui t0, %hi(target+4)
    lw a0, %lo(target+4)(t0)    # 11111111
    call puthex
    lui t0, %hi(tgt2)
    lw a0, %lo(tgt2)(t0)        # 0badf00d
    call puthex
    lui t0, %hi(tgt2+4)
    lh a0, %lo(tgt2+4)(t0)      # ffff8001
    call puthex
    lui t0, %hi(tgt2+4)
    lhu a0, %lo(tgt2+4)(t0)     # 8001
    call puthex
    lui t0, %hi(tgt2+6)
    lb a0, %lo(tgt2+6)(t0)      # ffffff80
    call puthex
    lui t0, %hi(tgt2+6)
    lbu a0, %lo(tgt2+6)(t0)     # 80
    call puthex
    lui t0, %hi(tgt2+7)
    lb a0, %lo(tgt2+7)(t0)      # 7f
    call puthex
    # stores through %hi/%lo
    li t1, 0x13572468
    lui t0, %hi(slot)
    sw t1, %lo(slot)(t0)
    li t1, 0xabcd
    lui t0, %hi(slot2)
    sh t1, %lo(slot2)(t0)
    li t1, 0xef
    lui t0, %hi(slot2+2)
    sb t1, %lo(slot2+2)(t0)
    lw a0, slot                 # 13572468
    call puthex
    lw a0, slot2                # 00efabcd
    call puthex
    lui t0, %hi(after)
    lw a0, %lo(after)(t0)       # 5eed
    call puthex
    la a0, after
    slli a0, a0, 20
    srli a0, a0, 20             # 000
    call puthex
    # %hi/%lo of constants
    lui a0, %hi(CONST)
    addi a0, a0, %lo(CONST)     # 12345fff
    call puthex
    lui a0, %hi(CONST)          # 12346000
    call puthex
    addi a0, zero, %lo(CONST)   # ffffffff
    call puthex
    lui a0, %hi(0x800)          # 00001000
    call puthex
    addi a0, zero, %lo(0x800)   # fffff800
    call puthex
    lui a0, %hi(0x7ff)          # 0
    call puthex
    lui a0, %hi(0xfffff800)
    addi a0, a0, %lo(0xfffff800) # fffff800
    call puthex
    # la and lla give the same address
    la t0, tgt2
    lla t1, tgt2
    sub a0, t0, t1              # 0
    call puthex
    lla t0, target+8
    la t1, target
    sub a0, t0, t1              # 8
    call puthex
    # auipc directly: pc-relative arithmetic
here:
    auipc t0, 0                 # t0 = address of 'here'
    la t1, here
    sub a0, t0, t1              # 0
    call puthex
    auipc t0, 1                 # pc + 0x1000
there:
    auipc t1, 0                 # pc of 'there'
    sub a0, t0, t1              # 0x1000 - 4 = ffc
    call puthex
    auipc t0, 0xfffff           # pc - 0x1000
    auipc t1, 0
    sub a0, t1, t0              # 0x1004
    call puthex
    # lla of a text label, used to compute a code distance
    lla t0, here
    lla t1, there
    sub a0, t1, t0              # auipc+la(2)+sub+call(2)+auipc = 7 insns: 1c
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
