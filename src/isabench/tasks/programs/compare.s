# compare.s -- compare two big non-negative decimal integers.
#
# Input : one line "A B": two non-negative decimal integers separated by a
#         space, final newline optional.
# Output: one line: "greater" if A > B, "less" if A < B, "equal" if A = B,
#         then "\n".
# Limits: the input line may be up to 32768 bytes, so A and B may have up
#         to 32766 digits between them.  Leading zeros in the input are
#         tolerated and ignored.
#
# Method: with leading zeros gone, the number with more digits is larger;
# numbers of the same length compare like their digit strings (cmp_num).

        .equ LINE_CAP, 32768       # size of line_buf

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
        mv   a2, a0                # B: first digit, length
        mv   a0, s2
        mv   a1, s3
        call cmp_num               # a0 = 1, -1 or 0

        la   a1, msg_greater
        li   a2, 8                 # "greater\n"
        bgtz a0, 1f
        la   a1, msg_less
        li   a2, 5                 # "less\n"
        bltz a0, 1f
        la   a1, msg_equal
        li   a2, 6                 # "equal\n"
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
msg_greater:
        .ascii "greater"
        .byte 10
msg_less:
        .ascii "less"
        .byte 10
msg_equal:
        .ascii "equal"
        .byte 10

        .bss
line_buf:
        .space 32768               # LINE_CAP
