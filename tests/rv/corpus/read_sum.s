# read_sum: reads stdin one byte at a time, parses signed decimal numbers separated by
# any non-digit bytes, prints each number, then their count and wrapping 32-bit sum.
    .globl _start
    .bss
ch:     .space 1
    .text
_start:
    li s0, 0                    # count
    li s1, 0                    # sum
    li s2, 0                    # current value
    li s3, 0                    # 1 while inside a number
    li s4, 0                    # 1 if the current number is negative
    li s5, 0                    # 1 if the previous byte was '-'
next:
    li a0, 0
    la a1, ch
    li a2, 1
    li a7, 63
    ecall
    beqz a0, eof
    lbu t4, ch
    li t0, '0'
    sub t5, t4, t0              # digit value if 0..9
    li t0, 10
    bgeu t5, t0, notdigit       # unsigned compare also rejects bytes below '0'
    bnez s3, 1f
    li s3, 1                    # a number starts here
    mv s4, s5
    li s2, 0
1:  li t0, 10
    mul s2, s2, t0
    add s2, s2, t5
    li s5, 0
    j next
notdigit:
    call finish
    li s5, 0
    li t0, '-'
    bne t4, t0, next
    li s5, 1
    j next
eof:
    call finish
    mv a0, s0
    call puthex
    mv a0, s1
    call puthex
    li a0, 0
    li a7, 93
    ecall

# finish: if a number is pending, apply its sign, print it and add it to the sum
finish:
    beqz s3, 1f
    addi sp, sp, -16
    sw ra, 0(sp)
    beqz s4, 2f
    neg s2, s2
2:  mv a0, s2
    call puthex
    addi s0, s0, 1
    add s1, s1, s2
    li s3, 0
    lw ra, 0(sp)
    addi sp, sp, 16
1:  ret

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
