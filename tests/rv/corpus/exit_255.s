# exit_255: exit code 255 computed at run time (0x12345 + 0xba = 0x123ff, low 8 bits 0xff);
# code after the exit ecall is never executed.
    .globl _start
    .text
_start:
    li a0, 0x12345
    addi a0, a0, 0xba
    li a7, 93
    ecall
    li a0, 1                    # never reached
    li a7, 93
    ecall
