# operand_forms.s: every operand form the assembler accepts, for a byte-for-byte comparison
# with GNU as + ld (this file is assembled, never run).
        .globl _start
        .equ    K, 0x7f0
        .set    NEG, -K
        .text
_start:
        add     a0, a1, a2
        add     a0, a1, 5               # GNU turns an immediate third operand into addi
        and     t0, t1, 0x0f
        or      t0, t1, -1
        xor     t0, t1, 1
        slt     t0, t1, -7
        sltu    t0, t1, 9
        sll     s0, s1, 3
        srl     s0, s1, 31
        sra     s0, s1, 0
        addi    x31, x0, K
        addi    fp, s0, NEG
        li      a0, 010                 # octal
        li      a0, 0b1011
        li      a0, 'a'
        li      a0, '\n'
        li      a0, -0x800
        li      a0, (3 + 4) * 2 - 1
        li      a0, 1 << 20 | 7
        li      a0, ~0
        li      a0, -2147483648
        li      a0, 4294967295
        li      a0, 0x12345678
        lw      a0, (sp)
        lw      a0, 8(sp)
        lw      a0, -4 (sp)
        lw      a0, K+4(sp)
        lb      a1, sym
        lh      a1, sym+2
        lhu     a1, sym
        lbu     a1, sym
        sw      a0, (sp)
        sh      a0, 2(sp)
        sb      a0, sym, t2
        sw      a0, sym+4, t3
        lui     a0, %hi(sym)
        addi    a0, a0, %lo(sym)
        lw      a0, %lo(sym)(a0)
        lui     a0, %hi(sym+0x900)
        auipc   a0, 0
        la      a0, sym
        lla     a1, sym+8
        jalr    a1
        jalr    a1, a2
        jalr    a1, 4(a2)
        jalr    a1, a2, -4
        jalr    (a3)
        jr      a1
        ret
        call    far_fn
        tail    far_fn
        jal     far_fn
        jal     a5, far_fn
        j       far_fn
1:      beq     a0, a1, 1b
        bne     a0, a1, 1f
        blt     a0, a1, 1b
        bge     a0, a1, 1f
        bltu    a0, a1, 1b
        bgeu    a0, a1, 1f
1:      beqz    a0, 1b
        bnez    a0, 1f
        blez    a0, 1b
        bgez    a0, 1f
        bltz    a0, 1b
        bgtz    a0, 1f
        bgt     a0, a1, 1b
        ble     a0, a1, 1f
        bgtu    a0, a1, 1b
        bleu    a0, a1, 1f
1:      mv      a0, a1
        not     a0, a1
        neg     a0, a1
        seqz    a0, a1
        snez    a0, a1
        sltz    a0, a1
        sgtz    a0, a1
        sgt     a0, a1, a2
        sgtu    a0, a1, a2
        nop
        mul     a0, a1, a2
        mulh    a0, a1, a2
        mulhsu  a0, a1, a2
        mulhu   a0, a1, a2
        div     a0, a1, a2
        divu    a0, a1, a2
        rem     a0, a1, a2
        remu    a0, a1, a2
        ecall
        ebreak
        .align  3
far_fn: ret
        .section .rodata
table:  .word   _start, far_fn - _start, table
        .half   0xffff, -1
        .byte   'x', '\\', '\'', 0x80
        .string "tab\there", "quote\"q"
        .asciz  "octal\101\x42"
        .data
        .ascii  "odd"
sym:    .word   1, 2, 3
        .p2align 2, 0xaa
        .zero   3
        .space  2, 7
        .bss
        .align  4
big:    .space  K
