# exit_0: the smallest complete program: exit(0) with a7 loaded by li, no output, empty .data/.bss.
    .global _start
    .data
    .bss
    .text
_start:
    li a0, 0
    li a7, 93
    ecall
