# sum.s -- sum of a list of integers.
#
# Input : one line of space-separated non-negative integers (each 0..999,
#         at least one), final newline optional.
# Output: one line: their sum in decimal, then "\n".
# Limits: the input line may be up to 16384 bytes (so up to 8192 items);
#         the sum is kept in 32 bits (fine: 8192 * 999 < 2^32).
#
# Method: parse the numbers one by one (next_uint) and add them up.

        .equ LINE_CAP, 16384       # size of line_buf

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   a1, line_buf          # a1 = scan position
        add  a2, a1, a0            # a2 = end of the line
        li   s0, 0                 # s0 = running sum
sum_loop:
        call next_uint             # a0 = next item, a3 = 0 at the end
        beqz a3, sum_done
        add  s0, s0, a0
        j    sum_loop
sum_done:
        mv   a0, s0
        la   a1, out_buf
        call put_uint              # the sum in decimal
        li   t0, 10
        sb   t0, 0(a1)             # then "\n"
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
# put_uint: append the decimal form of a0 (unsigned, no leading zeros) at
#   a1.  The digits come out lowest first, so they are collected on the
#   stack and then copied out in the right order.
#   In : a0 = value, a1 = output pointer.   Out: a1 = just past the digits.
#   Clobbers a0, t0-t2.
# ---------------------------------------------------------------------------
put_uint:
        addi sp, sp, -16           # room for the (at most 10) digits
        mv   t0, sp                # t0 = next free digit slot
        li   t1, 10
pu_div:
        remu t2, a0, t1            # lowest digit
        divu a0, a0, t1
        addi t2, t2, 48            # + '0'
        sb   t2, 0(t0)
        addi t0, t0, 1
        bnez a0, pu_div
pu_copy:
        addi t0, t0, -1            # copy back, highest digit first
        lbu  t2, 0(t0)
        sb   t2, 0(a1)
        addi a1, a1, 1
        bne  t0, sp, pu_copy
        addi sp, sp, 16
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
        .space 16384               # LINE_CAP
out_buf:
        .space 16                  # a 32-bit number and "\n"
