# loop.s: a long-running mix of ALU, M-extension, load/store and branch work.
# Input: a decimal iteration count N (zero-padded to a fixed width, so parsing costs the same). Output: a checksum as 8 hex digits and a newline.
# Retired instructions are exactly linear in N (the benchmark checks this against qemu).
        .globl _start
        .text
_start:
        la      a1, line                # read the count
        li      a0, 0
        li      a2, 16
        li      a7, 63
        ecall
        la      t0, line
        add     t1, t0, a0
        li      s0, 0                   # s0: N
1:      bgeu    t0, t1, 2f
        lbu     t2, 0(t0)
        addi    t2, t2, -'0'
        li      t3, 9
        bgtu    t2, t3, 2f
        li      t3, 10
        mul     s0, s0, t3
        add     s0, s0, t2
        addi    t0, t0, 1
        j       1b
2:      li      s1, 0x9e3779b9          # s1: checksum
        la      s2, cell
3:      beqz    s0, 4f                  # ten instructions per iteration
        xor     s1, s1, s0
        slli    t0, s1, 5
        add     s1, s1, t0
        mul     t1, s1, s0
        sw      t1, 0(s2)
        lw      t2, 0(s2)
        add     s1, s1, t2
        addi    s0, s0, -1
        j       3b
4:      la      t0, hex_end             # print s1 in hex
        li      t1, 8
5:      andi    t2, s1, 15
        addi    t2, t2, '0'
        li      t3, '9'
        ble     t2, t3, 6f
        addi    t2, t2, 'a' - '9' - 1
6:      addi    t0, t0, -1
        sb      t2, 0(t0)
        srli    s1, s1, 4
        addi    t1, t1, -1
        bnez    t1, 5b
        li      a0, 1
        la      a1, hex
        li      a2, 9
        li      a7, 64
        ecall
        li      a0, 0
        li      a7, 93
        ecall

        .data
hex:    .ascii  "00000000"
hex_end: .ascii "\n"
        .bss
line:   .space  16
cell:   .space  4
