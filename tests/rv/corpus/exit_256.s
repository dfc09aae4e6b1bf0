# exit_256: exit(256); Linux keeps only the low 8 bits, so the observed exit code is 0.
    .globl _start
    .data
msg:    .asciz "exit 256\n"
    .text
_start:
    li a0, 1
    la a1, msg
    li a2, 9
    li a7, 64
    ecall
    li a0, 256
    li a7, 93
    ecall
