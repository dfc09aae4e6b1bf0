# calls_stack: call/ret, tail through a chain of functions, recursion using the stack (fib,
# factorial, depth-500 sum), jal/jalr in one- and full-operand forms, jr, and jalr with a
# nonzero offset into a table of jumps. Only sp is assumed to be set at entry.
    .globl _start
    .globl fib
    .text
_start:
    li a0, 14
    call fib                    # fib(14) = 377 = 0x179
    call puthex
    li a0, 12
    call fact                   # 12! = 479001600 = 0x1c8cfc00
    call puthex
    li a0, 500
    call sumrec                 # 125250 = 0x1e942
    call puthex
    # tail chain: f1 -> (tail) f2 -> (tail) f3 -> ret straight back here
    li a0, 1
    call f1                     # ((1*3)+5)^0x100 = 0x108
    call puthex
    # jal with one operand links ra
    li a0, 0x20
    jal double
    call puthex                 # 0x40
    # full form jal rd, label with rd = ra
    jal ra, double
    call puthex                 # 0x80
    # jalr with one operand: jalr rs -> jalr ra, 0(rs)
    la t4, double
    jalr t4
    call puthex                 # 0x100
    # jalr with a nonzero offset into a jump table
    la s1, jtab
    li a0, 0
    jalr ra, 8(s1)              # entry 2: a0 += 0x300
    jalr ra, 4(s1)              # entry 1: a0 += 0x20
    jalr ra, 12(s1)             # entry 3: a0 += 0x1
    call puthex                 # 0x321
    # jalr with a negative offset, different link register
    la s1, jtab_end
    li a0, 0
    jalr t0, -16(s1)            # entry 0: a0 += 0x4000, returns via t0
    call puthex                 # 0x4000
    # jr: computed jump without link
    la t1, 1f
    jr t1
    li a0, 0xbad                # skipped
    call puthex
1:  li a0, 0x600d
    call puthex
    # jal zero, label (plain jump) and jal with a non-ra link register
    jal zero, 2f
    li a0, 0xbad
    call puthex
2:  jal s4, 3f
    j 4f                        # 3f returns here
3:  li a0, 0x3
    call puthex
    jr s4
4:  # callee-saved registers survive a deep call
    li s2, 0x5a5a
    li s3, 0x1234
    li a0, 10
    call fib                    # 0x37
    call puthex
    add a0, s2, s3              # 0x6c8e
    call puthex
    li a0, 0
    li a7, 93
    ecall

# fib(n): naive recursion, saves ra, s0, s1 on the stack
fib:
    li t0, 2
    blt a0, t0, 1f
    addi sp, sp, -16
    sw ra, 12(sp)
    sw s0, 8(sp)
    sw s1, 4(sp)
    mv s0, a0
    addi a0, a0, -1
    call fib
    mv s1, a0
    addi a0, s0, -2
    call fib
    add a0, a0, s1
    lw ra, 12(sp)
    lw s0, 8(sp)
    lw s1, 4(sp)
    addi sp, sp, 16
1:  ret

# fact(n) = n * fact(n-1)
fact:
    bnez a0, 1f
    li a0, 1
    ret
1:  addi sp, sp, -16
    sw ra, 0(sp)
    sw a0, 4(sp)
    addi a0, a0, -1
    call fact
    lw t0, 4(sp)
    mul a0, a0, t0
    lw ra, 0(sp)
    addi sp, sp, 16
    ret

# sumrec(n) = n + sumrec(n-1): recursion depth n
sumrec:
    blez a0, 1f
    addi sp, sp, -16
    sw ra, 12(sp)
    sw a0, 8(sp)
    addi a0, a0, -1
    jal sumrec
    lw t0, 8(sp)
    add a0, a0, t0
    lw ra, 12(sp)
    addi sp, sp, 16
    ret
1:  li a0, 0
    ret

f1: slli t0, a0, 1
    add a0, a0, t0              # *3
    tail f2
f2: addi a0, a0, 5
    tail f3
f3: xori a0, a0, 0x100
    ret

double:
    add a0, a0, a0
    jalr zero, 0(ra)            # explicit form of ret

jtab:
    j jt0
    j jt1
    j jt2
    j jt3
jtab_end:
jt0: li t2, 0x4000
     add a0, a0, t2
     jr t0                      # linked through t0
jt1: addi a0, a0, 0x20
     ret
jt2: addi a0, a0, 0x300
     ret
jt3: addi a0, a0, 1
     ret

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
