# is_prime.s -- primality test.
#
# Input : one line "N", 0 <= N <= 2147483647, final newline optional.
# Output: one line: "yes" if N is prime, else "no" (0 and 1 are not
#         prime); then "\n".
# Limits: N may be anything below 2^32.
#
# Method: trial division.  N < 2: no.  N even: prime only if N = 2.
# Otherwise try the odd divisors d = 3, 5, 7, ... while d <= N / d (that
# is, d*d <= N, written so nothing can overflow); a divisor means no,
# running out of candidates means yes.  At most ~23170 divisions for
# N < 2^31.

        .equ LINE_CAP, 256         # size of line_buf

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   a1, line_buf
        add  a2, a1, a0            # a2 = end of the line
        call next_uint
        mv   s0, a0                # s0 = N
        li   t0, 2
        bltu s0, t0, not_prime     # 0 and 1
        beq  s0, t0, prime         # 2
        andi t1, s0, 1
        beqz t1, not_prime         # even and > 2
        li   s1, 3                 # s1 = d, odd candidate divisor
trial:
        divu t0, s0, s1            # t0 = N / d
        bltu t0, s1, prime         # d > N / d, i.e. d*d > N: no divisor left
        remu t1, s0, s1
        beqz t1, not_prime         # d divides N
        addi s1, s1, 2
        j    trial
prime:
        la   a1, msg_yes
        li   a2, 4                 # "yes\n"
        j    1f
not_prime:
        la   a1, msg_no
        li   a2, 3                 # "no\n"
1:      call write_all
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
# next_uint: parse the next unsigned decimal number in the line.
#   In : a1 = scan position, a2 = end of the line.
#   Out: a3 = 1, a0 = the value, a1 = just past its digits;
#        or a3 = 0 when no digit is left before a2.
#   Any non-digit characters before the number (spaces, ':') are skipped.
#   Clobbers t0, t1.
# ---------------------------------------------------------------------------
next_uint:
        li   t1, 10
nu_skip:
        bgeu a1, a2, nu_none       # end of line: no more numbers
        lbu  t0, 0(a1)
        addi t0, t0, -48           # t0 = c - '0'
        bltu t0, t1, nu_digits     # unsigned: 0..9 means a digit
        addi a1, a1, 1
        j    nu_skip
nu_digits:
        li   a0, 0
nu_loop:
        mul  a0, a0, t1            # value = value * 10 + digit
        add  a0, a0, t0
        addi a1, a1, 1
        bgeu a1, a2, nu_done
        lbu  t0, 0(a1)
        addi t0, t0, -48
        bltu t0, t1, nu_loop
nu_done:
        li   a3, 1
        ret
nu_none:
        li   a3, 0
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
        .space 256                 # LINE_CAP
