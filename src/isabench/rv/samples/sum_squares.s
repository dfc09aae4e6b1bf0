# sum_squares.s: read a decimal N from stdin, print 1*1 + 2*2 + ... + N*N (mod 2^32).
        .globl _start
        .text
_start:
        la      a1, line                # read one chunk (the number is short)
        li      a0, 0
        li      a2, 32
        li      a7, 63
        ecall
        la      t0, line
        add     t1, t0, a0              # t1: end of input
        li      s0, 0                   # s0: N
1:      bgeu    t0, t1, 2f              # parse decimal digits
        lbu     t2, 0(t0)
        addi    t2, t2, -'0'
        li      t3, 9
        bgtu    t2, t3, 2f              # stop at the first non-digit
        li      t3, 10
        mul     s0, s0, t3
        add     s0, s0, t2
        addi    t0, t0, 1
        j       1b
2:      li      s1, 0                   # s1: the sum
        li      t0, 1
3:      bgt     t0, s0, 4f
        mul     t2, t0, t0
        add     s1, s1, t2
        addi    t0, t0, 1
        j       3b
4:      call    print_unsigned
        li      a0, 0
        li      a7, 93
        ecall

# print_unsigned: write s1 in decimal followed by a newline.
print_unsigned:
        la      t0, digits_end
        li      t1, '\n'
        sb      t1, 0(t0)
        li      t3, 10
5:      addi    t0, t0, -1
        remu    t2, s1, t3
        addi    t2, t2, '0'
        sb      t2, 0(t0)
        divu    s1, s1, t3
        bnez    s1, 5b
        li      a0, 1
        mv      a1, t0
        la      a2, digits_end + 1
        sub     a2, a2, t0
        li      a7, 64
        ecall
        ret

        .bss
line:   .space  32
digits: .space  12
digits_end: .space 1
