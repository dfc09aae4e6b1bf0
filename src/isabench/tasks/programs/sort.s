# sort.s -- a list of integers in ascending order.
#
# Input : one line of space-separated non-negative integers (each 0..999,
#         at least one), final newline optional.
# Output: one line: the same integers sorted ascending (repeats kept),
#         separated by single spaces, then "\n".
# Limits: the input line may be up to 16384 bytes; up to 8192 items (any
#         value below 2^32, compared unsigned).
#
# Method: bottom-up merge sort, O(n log n).  Parse the items into the word
# array items.  Pass after pass, merge neighbouring sorted runs of width w
# (1, 2, 4, ...) from the source array into the other array, then swap the
# roles of the two arrays, until one run covers everything.

        .equ LINE_CAP, 16384       # size of line_buf
        .equ MAX_ITEMS, 8192       # words in items and in tmp

        .text
        .globl _start
_start:
        call read_line             # a0 = line length
        la   a1, line_buf
        add  a2, a1, a0            # a2 = end of the line
        call parse_list            # a0 = n
        mv   s2, a0                # s2 = n
        la   s3, items             # s3 = source array (sorted runs of w)
        la   s4, tmp               # s4 = destination array
        li   s5, 1                 # s5 = w, the run width

ms_pass:
        bge  s5, s2, ms_done       # one run holds everything: sorted
        li   s6, 0                 # s6 = lo, start of the run pair
ms_block:
        bge  s6, s2, ms_pass_end   # all run pairs merged
        add  t0, s6, s5            # mid = min(lo + w, n)
        ble  t0, s2, 1f
        mv   t0, s2
1:      add  t1, t0, s5            # hi = min(mid + w, n)
        ble  t1, s2, 2f
        mv   t1, s2
2:      # Merge src[lo, mid) and src[mid, hi) into dst[lo, hi).
        slli t2, s6, 2
        add  t2, s3, t2            # t2 = next of the left run
        slli t3, t0, 2
        add  t3, s3, t3            # t3 = next of the right run
        mv   t4, t3                # t4 = end of the left run
        slli t5, t1, 2
        add  t5, s3, t5            # t5 = end of the right run
        slli t6, s6, 2
        add  t6, s4, t6            # t6 = next slot of dst
ms_merge:
        bgeu t2, t4, ms_rest_right # left run used up
        bgeu t3, t5, ms_rest_left  # right run used up
        lw   a0, 0(t2)
        lw   a1, 0(t3)
        bgtu a0, a1, ms_take_right # take the left one on ties (stable)
        sw   a0, 0(t6)
        addi t2, t2, 4
        addi t6, t6, 4
        j    ms_merge
ms_take_right:
        sw   a1, 0(t6)
        addi t3, t3, 4
        addi t6, t6, 4
        j    ms_merge
ms_rest_left:                      # copy what is left of the left run
        lw   a0, 0(t2)
        sw   a0, 0(t6)
        addi t2, t2, 4
        addi t6, t6, 4
        bltu t2, t4, ms_rest_left
        j    ms_block_end
ms_rest_right:                     # copy what is left of the right run
        bgeu t3, t5, ms_block_end
        lw   a1, 0(t3)
        sw   a1, 0(t6)
        addi t3, t3, 4
        addi t6, t6, 4
        j    ms_rest_right
ms_block_end:
        slli t0, s5, 1
        add  s6, s6, t0            # lo += 2w
        j    ms_block
ms_pass_end:
        mv   t0, s3                # swap source and destination
        mv   s3, s4
        mv   s4, t0
        slli s5, s5, 1             # w *= 2
        j    ms_pass

ms_done:
        mv   a0, s3                # print the sorted array forwards
        mv   a1, s2
        li   a2, 4
        call print_list
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
# parse_list: parse every number of the line into the word array items.
#   In : a1 = start of the line, a2 = end of the line.
#   Out: a0 = number of items stored (at most MAX_ITEMS; any further
#        numbers are ignored).
#   Clobbers a1, a3, a4, a5, t0, t1.
# ---------------------------------------------------------------------------
parse_list:
        addi sp, sp, -16
        sw   ra, 0(sp)
        la   a4, items             # a4 = next free slot
        li   a5, 0                 # a5 = items stored
pl_loop:
        call next_uint             # a0 = next number, a3 = 0 at the end
        beqz a3, pl_done
        li   t0, MAX_ITEMS
        bgeu a5, t0, pl_loop       # array full: ignore the rest
        sw   a0, 0(a4)
        addi a4, a4, 4
        addi a5, a5, 1
        j    pl_loop
pl_done:
        mv   a0, a5
        lw   ra, 0(sp)
        addi sp, sp, 16
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
# print_list: print a1 words, starting at address a0 and moving a2 bytes
#   each time (4 = forwards, -4 = backwards), in decimal, separated by
#   single spaces and followed by "\n".  Built in out_buf, then written.
#   Clobbers a0-a2, a7, t0-t2.
# ---------------------------------------------------------------------------
print_list:
        addi sp, sp, -16
        sw   ra, 0(sp)
        sw   s0, 4(sp)
        sw   s1, 8(sp)
        sw   s2, 12(sp)
        mv   s0, a0                # s0 = address of the next word
        mv   s1, a1                # s1 = words left
        mv   s2, a2                # s2 = step
        la   a1, out_buf           # a1 = output pointer
        beqz s1, pr_end
pr_loop:
        lw   a0, 0(s0)
        call put_uint              # the number
        add  s0, s0, s2
        addi s1, s1, -1
        beqz s1, pr_end            # no space after the last one
        li   t0, 32                # ' '
        sb   t0, 0(a1)
        addi a1, a1, 1
        j    pr_loop
pr_end:
        li   t0, 10                # "\n"
        sb   t0, 0(a1)
        addi a1, a1, 1
        la   t0, out_buf
        sub  a2, a1, t0            # length
        mv   a1, t0
        call write_all
        lw   ra, 0(sp)
        lw   s0, 4(sp)
        lw   s1, 8(sp)
        lw   s2, 12(sp)
        addi sp, sp, 16
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
        .align 2
items:
        .space 32768               # MAX_ITEMS words
tmp:
        .space 32768               # MAX_ITEMS words, the other merge array
line_buf:
        .space 16384               # LINE_CAP
out_buf:
        .space 16400               # the output is never longer than the line + "\n"
