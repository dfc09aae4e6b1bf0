# uppercase.s: read all of stdin, upper-case ASCII letters, write it back.
        .globl _start
        .equ BUF_SIZE, 4096

        .text
_start:
        la      s0, buf                 # s0: the buffer
1:      li      a0, 0                   # read(0, buf, BUF_SIZE)
        mv      a1, s0
        li      a2, BUF_SIZE
        li      a7, 63
        ecall
        blez    a0, 4f                  # 0 at end of input
        mv      s1, a0                  # s1: bytes in this chunk
        mv      t0, s0
        add     t1, s0, s1              # t1: end of chunk
2:      lbu     t2, 0(t0)
        li      t3, 'a'
        blt     t2, t3, 3f
        li      t3, 'z'
        bgt     t2, t3, 3f
        addi    t2, t2, 'A' - 'a'
        sb      t2, 0(t0)
3:      addi    t0, t0, 1
        bltu    t0, t1, 2b
        li      a0, 1                   # write(1, buf, n)
        mv      a1, s0
        mv      a2, s1
        li      a7, 64
        ecall
        j       1b
4:      li      a0, 0                   # exit(0)
        li      a7, 93
        ecall

        .bss
buf:    .space  BUF_SIZE
