# palindrome.s -- does a word read the same backwards?
#
# Input : one line: a word of lowercase letters a-z (length >= 1), final
#         newline optional.
# Output: one line: "yes" if the word equals its reverse, else "no"; then
#         "\n".
# Limits: up to 32768 characters.
#
# Method: two pointers, one from each end, moving towards the middle; the
# first mismatch answers "no", meeting in the middle answers "yes".

        .equ LINE_CAP, 32768       # size of line_buf

        .text
        .globl _start
_start:
        call read_line             # a0 = n
        la   t0, line_buf          # t0 = left pointer
        add  t1, t0, a0
        addi t1, t1, -1            # t1 = right pointer (last character)
1:      bgeu t0, t1, is_pal        # pointers met: a palindrome
        lbu  t2, 0(t0)
        lbu  t3, 0(t1)
        bne  t2, t3, not_pal       # mismatch
        addi t0, t0, 1
        addi t1, t1, -1
        j    1b
is_pal:
        la   a1, msg_yes
        li   a2, 4                 # "yes\n"
        j    2f
not_pal:
        la   a1, msg_no
        li   a2, 3                 # "no\n"
2:      call write_all
        j    exit_ok

# ---------------------------------------------------------------------------
# read_line: read the single input line into line_buf.
#   A read syscall may return fewer bytes than asked, so read in a loop
#   until a '\n' shows up, end of input (read returns 0), or line_buf is
#   full.  The '\n' (if any) is not counted.
#   Out: a0 = number of bytes in the line.
#   Clobbers a1, a2, a7, t0-t4.
# ---------------------------------------------------------------------------
read_line:
        la   t0, line_buf          # t0 = where the next byte goes
        li   t1, LINE_CAP
        add  t1, t0, t1            # t1 = end of line_buf
rl_read:
        bgeu t0, t1, rl_done       # buffer full: stop reading
        li   a0, 0                 # fd 0 = stdin
        mv   a1, t0
        sub  a2, t1, t0            # room left
        li   a7, 63                # read
        ecall
        blez a0, rl_done           # 0 = end of input, < 0 = error
        add  t2, t0, a0            # t2 = end of the bytes just read
        li   t3, 10                # '\n'
rl_scan:
        lbu  t4, 0(t0)
        beq  t4, t3, rl_done       # newline: the line ends here
        addi t0, t0, 1
        bltu t0, t2, rl_scan
        j    rl_read               # no newline yet: read more
rl_done:
        la   t1, line_buf
        sub  a0, t0, t1            # length = end - start
        ret

# ---------------------------------------------------------------------------
# write_all: write a2 bytes starting at a1 to stdout, looping on short
#   writes.  Clobbers a0, a1, a2, a7.
# ---------------------------------------------------------------------------
write_all:
        blez a2, wa_done           # nothing (left) to write
        li   a0, 1                 # fd 1 = stdout
        li   a7, 64                # write
        ecall
        blez a0, wa_done           # error: give up
        add  a1, a1, a0            # skip what was written
        sub  a2, a2, a0
        j    write_all
wa_done:
        ret

# ---------------------------------------------------------------------------
# exit_ok: exit(0).
# ---------------------------------------------------------------------------
exit_ok:
        li   a0, 0
        li   a7, 93                # exit
        ecall

        .section .rodata
msg_yes:
        .ascii "yes"
        .byte 10
msg_no:
        .ascii "no"
        .byte 10

        .bss
line_buf:
        .space 32768               # LINE_CAP
