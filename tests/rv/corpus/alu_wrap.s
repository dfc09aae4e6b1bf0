# alu_wrap: add/sub/addi wrap-around at 2^31 and 2^32, writes to x0 being ignored,
# and/or/xor/andi/ori/xori (sign-extended 12-bit immediates), lui, mv/not/neg.
    .globl _start
    .text
_start:
    li s0, 0x7fffffff           # INT_MAX
    li s1, 0x80000000           # INT_MIN
    addi a0, s0, 1              # INT_MAX+1 -> 80000000
    call puthex
    li t4, 1
    add a0, s0, t4              # 80000000
    call puthex
    addi a0, s1, -1             # 7fffffff
    call puthex
    sub a0, s1, t4              # 7fffffff
    call puthex
    sub a0, zero, s1            # -INT_MIN -> 80000000
    call puthex
    neg a0, s1                  # 80000000
    call puthex
    neg a0, s0                  # 80000001
    call puthex
    li t4, -1
    add a0, t4, t4              # fffffffe
    call puthex
    addi a0, t4, 1              # ffffffff+1 -> 0
    call puthex
    add a0, s1, s1              # 80000000*2 -> 0
    call puthex
    add a0, s0, s0              # fffffffe
    call puthex
    sub a0, s0, s1              # 7fffffff-80000000 -> ffffffff
    call puthex
    sub a0, s1, s0              # 00000001
    call puthex
    addi a0, s0, 2047           # 800007fe
    call puthex
    addi a0, s1, -2048          # 7ffff800
    call puthex
    addi a0, zero, -2048        # fffff800
    call puthex
    addi a0, zero, 2047         # 000007ff
    call puthex
    add zero, s0, s0            # writes to x0 are discarded
    addi zero, zero, 123
    mv a0, zero                 # 0
    call puthex
    # ---- rd aliasing a source
    li a0, 5
    add a0, a0, a0              # a
    call puthex
    sub a0, a0, a0              # 0
    call puthex
    # ---- logic, register forms
    li s2, 0x0f0f1234
    li s3, 0xff00ff00
    and a0, s2, s3              # 0f001200
    call puthex
    or a0, s2, s3               # ff0fff34
    call puthex
    xor a0, s2, s3              # f00fed34
    call puthex
    # ---- logic, immediate forms (imm is sign-extended)
    andi a0, s2, -1             # 0f0f1234
    call puthex
    andi a0, s3, 0x7ff          # 00000700
    call puthex
    andi a0, s3, -256           # ff00ff00
    call puthex
    andi a0, s2, -2048          # 0f0f1000
    call puthex
    ori a0, s2, -2048           # fffffa34
    call puthex
    ori a0, zero, 0x555         # 00000555
    call puthex
    xori a0, s2, -1             # f0f0edcb
    call puthex
    not a0, s2                  # f0f0edcb
    call puthex
    not a0, zero                # ffffffff
    call puthex
    xori a0, s3, 0x7ff          # ff00f8ff
    call puthex
    xori a0, s3, -2048          # 00ff0700
    call puthex
    mv a0, s3                   # ff00ff00
    call puthex
    # ---- lui
    lui a0, 0xfffff             # fffff000
    call puthex
    lui a0, 0x80000             # 80000000
    call puthex
    lui a0, 0                   # 0
    call puthex
    lui a0, 1                   # 00001000
    call puthex
    lui a0, 0x12345             # 12345000
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
