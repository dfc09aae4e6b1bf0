# parity.s -- parity of the number of '1's in a bit string.
#
# Input : one line: a string of '0' and '1' characters (length >= 1),
#         final newline optional.
# Output: one line: "1" if it contains an odd number of '1's, else "0";
#         then "\n".
# Limits: up to 32768 characters.  Characters other than '1' are ignored.
#
# Method: keep one parity bit, flipped (xor 1) at every '1'.

        .equ LINE_CAP, 32768       # size of line_buf

        .text
        .globl _start
_start:
        call read_line             # a0 = n
        la   t0, line_buf          # t0 = current character
        add  t1, t0, a0            # t1 = end of the line
        li   t2, 0                 # t2 = parity so far
        li   t4, 49                # '1'
1:      beq  t0, t1, 2f
        lbu  t3, 0(t0)
        addi t0, t0, 1
        bne  t3, t4, 1b
        xori t2, t2, 1             # a '1': flip the parity
        j    1b
2:      la   a1, out_buf
        addi t2, t2, 48            # 0/1 -> '0'/'1'
        sb   t2, 0(a1)
        li   t3, 10
        sb   t3, 1(a1)             # "\n"
        li   a2, 2
        call write_all
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

        .bss
line_buf:
        .space 32768               # LINE_CAP
out_buf:
        .space 4                   # one digit and "\n"
