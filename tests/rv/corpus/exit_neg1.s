# exit_neg1: exit(-1); the observed exit code is 255.
    .globl _start
    .data
msg:    .string "minus one\n"
    .text
_start:
    li a0, 1
    la a1, msg
    li a2, 10
    li a7, 64
    ecall
    li a0, -1
    li a7, 93
    ecall
