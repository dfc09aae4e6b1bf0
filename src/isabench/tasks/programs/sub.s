# sub.s -- difference of two big non-negative decimal integers.
#
# Input : one line "A B": two non-negative decimal integers separated by a
#         space, final newline optional.
# Output: one line: A-B in decimal, no leading zeros, with a leading "-"
#         when A < B ("0" when A = B, never "-0"), then "\n".
# Limits: the input line may be up to 32768 bytes, so A and B may have up
#         to 32766 digits between them (e.g. 16383 digits each).  Leading
#         zeros in the input are tolerated and ignored.
#
# Method: compare A and B (cmp_num); if A < B swap them and remember the
# sign, so that we always compute big - small >= 0.  Schoolbook subtraction
# with borrow, from the last digits towards the first, writing each result
# digit right-to-left into out_buf (which already ends with "\n").  Then
# skip the leading zeros of the result (keeping one digit) and put the "-"
# in front if needed.

        .equ LINE_CAP, 32768       # size of line_buf
        .equ OUT_CAP, 32776        # size of out_buf (> longest result + "-\n")

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   s0, line_buf
        add  s1, s0, a0            # s1 = end of the line

        mv   a1, s0                # find A
        mv   a2, s1
        call next_number
        mv   s2, a0                # s2 = first digit of A
        mv   s3, a3                # s3 = length of A
        call next_number           # find B (a1 is just past A)
        mv   s4, a0                # s4 = first digit of B
        mv   s5, a3                # s5 = length of B

        li   s8, 0                 # s8 = 1 if the result is negative
        mv   a0, s2
        mv   a1, s3
        mv   a2, s4
        mv   a3, s5
        call cmp_num
        bgez a0, 1f                # A >= B: compute A - B
        mv   t0, s2                # A < B: compute B - A, negative
        mv   s2, s4
        mv   s4, t0
        mv   t0, s3
        mv   s3, s5
        mv   s5, t0
        li   s8, 1
1:
        # Now s2/s3 is the larger number ("big"), s4/s5 the smaller.
        add  s3, s2, s3
        addi s3, s3, -1            # s3 = next digit of big (its last)
        add  s5, s4, s5
        addi s5, s5, -1            # s5 = next digit of small (its last)

        la   s6, out_buf           # s6 = write pointer, moves left
        li   t0, OUT_CAP
        add  s6, s6, t0
        addi s6, s6, -1
        li   t0, 10
        sb   t0, 0(s6)             # the result ends with "\n"
        li   s7, 0                 # s7 = borrow (0 or 1)

# One column per digit of big (big has at least as many digits as small).
sub_loop:
        bltu s3, s2, sub_done      # all digits of big done
        lbu  t0, 0(s3)
        addi t0, t0, -48           # digit of big, 0..9
        addi s3, s3, -1
        li   t1, 0                 # digit of small (0 once it is used up)
        bltu s5, s4, 2f
        lbu  t1, 0(s5)
        addi t1, t1, -48
        addi s5, s5, -1
2:      sub  t0, t0, t1
        sub  t0, t0, s7            # column difference -10..9
        li   s7, 0
        bgez t0, 3f
        addi t0, t0, 10            # negative: borrow from the next column
        li   s7, 1
3:      addi t0, t0, 48            # 0..9 -> ASCII
        addi s6, s6, -1
        sb   t0, 0(s6)
        j    sub_loop

sub_done:
        # Skip leading zeros, but keep the digit right before the "\n".
        li   t1, 48                # '0'
        li   t2, 10                # '\n'
4:      lbu  t0, 0(s6)
        bne  t0, t1, 5f            # significant digit: stop
        lbu  t0, 1(s6)
        beq  t0, t2, 5f            # last digit: keep it (result is 0)
        addi s6, s6, 1
        j    4b
5:      beqz s8, 6f
        li   t0, 45                # '-'
        addi s6, s6, -1
        sb   t0, 0(s6)
6:      mv   a1, s6                # print s6 .. end of out_buf
        la   a2, out_buf
        li   t0, OUT_CAP
        add  a2, a2, t0
        sub  a2, a2, s6
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
# next_number: find the next run of decimal digits (a big number) in the
#   line, without converting it.
#   In : a1 = scan position, a2 = end of the line.
#   Out: a0 = address of its first significant digit, a3 = number of
#        significant digits (leading zeros dropped, at least one digit
#        kept), a1 = just past the run.  When no digit is left before a2
#        the constant "0" is returned (a0 = zero_str, a3 = 1).
#   Clobbers t0, t1.
# ---------------------------------------------------------------------------
next_number:
        li   t1, 10
nn_skip:
        bgeu a1, a2, nn_none       # end of line: no number
        lbu  t0, 0(a1)
        addi t0, t0, -48           # t0 = c - '0'
        bltu t0, t1, nn_found      # unsigned: 0..9 means a digit
        addi a1, a1, 1
        j    nn_skip
nn_found:
        mv   a0, a1                # a0 = start of the run
nn_run:
        addi a1, a1, 1
        bgeu a1, a2, nn_end
        lbu  t0, 0(a1)
        addi t0, t0, -48
        bltu t0, t1, nn_run
nn_end:
        sub  a3, a1, a0            # a3 = length of the run
        li   t1, 48                # '0'
nn_strip:
        li   t0, 1
        beq  a3, t0, nn_ret        # keep at least one digit
        lbu  t0, 0(a0)
        bne  t0, t1, nn_ret        # first digit is significant
        addi a0, a0, 1             # drop a leading zero
        addi a3, a3, -1
        j    nn_strip
nn_ret:
        ret
nn_none:
        la   a0, zero_str
        li   a3, 1
        ret

# ---------------------------------------------------------------------------
# cmp_num: compare two big numbers given as ASCII digit strings without
#   leading zeros: A (a0 = first digit, a1 = length), B (a2, a3).
#   A longer number is larger; equal lengths are compared digit by digit
#   from the most significant end.
#   Out: a0 = 1 if A > B, -1 if A < B, 0 if A = B.   Clobbers a1, a2, t0, t1.
# ---------------------------------------------------------------------------
cmp_num:
        bltu a3, a1, cn_greater    # A has more digits
        bltu a1, a3, cn_less       # B has more digits
cn_loop:
        beqz a1, cn_equal          # all digits equal
        lbu  t0, 0(a0)
        lbu  t1, 0(a2)
        bltu t1, t0, cn_greater    # first differing digit decides
        bltu t0, t1, cn_less
        addi a0, a0, 1
        addi a2, a2, 1
        addi a1, a1, -1
        j    cn_loop
cn_greater:
        li   a0, 1
        ret
cn_less:
        li   a0, -1
        ret
cn_equal:
        li   a0, 0
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
zero_str:
        .ascii "0"                 # stands for a missing operand

        .bss
line_buf:
        .space 32768               # LINE_CAP
out_buf:
        .space 32776               # OUT_CAP
