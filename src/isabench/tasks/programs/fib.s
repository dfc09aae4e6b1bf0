# fib.s -- the N-th Fibonacci number, exactly.
#
# Input : one line "N", 0 <= N <= 2000, final newline optional.
# Output: one line: F(N) in decimal, every digit, then "\n"
#         (F(0) = 0, F(1) = 1, F(2) = 1; F(2000) has 418 digits).
# Limits: N <= 10000 (F(10000) has 2090 digits).  A larger N makes the
#         program exit with status 1 and print nothing.
#
# Method: big numbers as byte arrays of decimal digits, lowest digit
# first.  X holds F(k) and Y holds F(k+1), starting from k = 0; len is the
# number of digits of Y (X has at most that many; the digits above a
# number's length are 0, since .bss starts zeroed and numbers only grow).
# One step: X = X + Y (schoolbook addition over len digits, a final carry
# adds a digit), which makes X = F(k+2); then swap the names X and Y.
# After N steps X holds F(N); print it from its highest non-zero digit.

        .equ LINE_CAP, 256         # size of line_buf
        .equ MAX_N, 10000          # largest N the digit arrays can hold

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   a1, line_buf
        add  a2, a1, a0            # a2 = end of the line
        call next_uint
        mv   s0, a0                # s0 = steps left (N)
        li   t0, MAX_N
        bgtu s0, t0, exit_err      # too big for the digit arrays
        la   s1, fib_a             # s1 = X = F(0) = 0 (all zeros)
        la   s2, fib_b             # s2 = Y = F(1) = 1
        li   t0, 1
        sb   t0, 0(s2)
        li   s3, 1                 # s3 = len, digits of Y
        li   t5, 10
fib_step:
        beqz s0, fib_print
        # X = X + Y over digits 0 .. len-1.
        mv   t0, s1                # t0 = &X[i]
        mv   t1, s2                # t1 = &Y[i]
        add  t2, s1, s3            # t2 = &X[len] (end)
        li   t3, 0                 # t3 = carry
1:      lbu  t4, 0(t0)
        lbu  t6, 0(t1)
        add  t4, t4, t6
        add  t4, t4, t3            # digit + digit + carry, 0..19
        li   t3, 0
        blt  t4, t5, 2f
        addi t4, t4, -10           # >= 10: keep the units, carry 1
        li   t3, 1
2:      sb   t4, 0(t0)
        addi t0, t0, 1
        addi t1, t1, 1
        bltu t0, t2, 1b
        beqz t3, 3f
        sb   t3, 0(t0)             # final carry: a new highest digit 1
        addi s3, s3, 1
3:      mv   t0, s1                # swap: X = old Y, Y = the new sum
        mv   s1, s2
        mv   s2, t0
        addi s0, s0, -1
        j    fib_step

fib_print:
        # Find the highest non-zero digit of X (index len-1 at most).
        addi t0, s3, -1            # t0 = digit index
4:      beqz t0, 5f                # keep digit 0 even if it is 0
        add  t1, s1, t0
        lbu  t1, 0(t1)
        bnez t1, 5f
        addi t0, t0, -1
        j    4b
5:      la   a1, out_buf           # a1 = output pointer
6:      add  t1, s1, t0            # copy digits t0 .. 0 as ASCII
        lbu  t1, 0(t1)
        addi t1, t1, 48
        sb   t1, 0(a1)
        addi a1, a1, 1
        addi t0, t0, -1
        bgez t0, 6b
        li   t1, 10
        sb   t1, 0(a1)             # "\n"
        addi a1, a1, 1
        la   t0, out_buf
        sub  a2, a1, t0            # length
        mv   a1, t0
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

# ---------------------------------------------------------------------------
# exit_err: exit(1), used for input outside the documented limits.
# ---------------------------------------------------------------------------
exit_err:
        li   a0, 1
        li   a7, 93                # exit
        ecall

        .bss
line_buf:
        .space 256                 # LINE_CAP
fib_a:
        .space 2100                # digits, lowest first (F(10001) has 2091)
fib_b:
        .space 2100
out_buf:
        .space 2100                # the digits of F(N) and "\n"
