package dev.tempura.proxy.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads several field paths of a message in one pass over its bytes, checking on the way that the
 * whole top level is well-formed (what {@link WireFields#validateTopLevel} checks). Built once per
 * method from the paths its calls need; {@link #read} is thread-safe.
 *
 * <p>The values follow {@link WireFields}: for a path read {@linkplain #last last}, the last
 * occurrence wins; a path read {@linkplain #every every} time collects all occurrences, through
 * repeated fields. Malformed bytes inside a nested message fail only the paths that go through it,
 * and only when their value is asked for, so a caller sees errors in the order it reads.
 */
public final class FieldScan {
  /** The paths of a scan, in the order they were added; at most 31. */
  public static final class Builder {
    private final List<int[]> paths = new ArrayList<>();
    private final List<Boolean> every = new ArrayList<>();

    private Builder() {}

    /** Adds a path whose last value is kept; returns its index. */
    public int last(int[] path) {
      return add(path, false);
    }

    /** Adds a path whose every value is kept; returns its index. */
    public int every(int[] path) {
      return add(path, true);
    }

    private int add(int[] path, boolean all) {
      if (path.length == 0) {
        throw new IllegalArgumentException("empty path");
      }
      if (paths.size() == 31) {
        throw new IllegalStateException("more than 31 paths");
      }
      paths.add(path.clone());
      every.add(all);
      return paths.size() - 1;
    }

    public FieldScan build() {
      boolean[] e = new boolean[every.size()];
      for (int i = 0; i < e.length; i++) {
        e[i] = every.get(i);
      }
      return new FieldScan(paths.toArray(int[][]::new), e);
    }
  }

  private final int[][] paths;
  private final boolean[] every;
  private final int all;

  private FieldScan(int[][] paths, boolean[] every) {
    this.paths = paths;
    this.every = every;
    this.all = paths.length == 0 ? 0 : (int) ((1L << paths.length) - 1);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads every path of this scan from {@code message}.
   *
   * @throws MalformedMessageException when the top level is not well-formed
   */
  public Values read(byte[] message) {
    Values v = new Values(message, paths.length);
    scan(message, 0, message.length, 0, all, v);
    return v;
  }

  private void scan(byte[] buf, int from, int to, int depth, int mask, Values out) {
    WireReader in = new WireReader(buf, from, to);
    while (in.hasMore()) {
      int tag = in.readTag();
      if ((tag & 7) != WireReader.LENGTH_DELIMITED) {
        in.skipValue(tag & 7);
        continue;
      }
      int number = tag >>> 3;
      int len = in.readLength();
      int start = in.pos;
      in.pos += len;
      int deeper = 0;
      for (int m = mask; m != 0; m &= m - 1) {
        int i = Integer.numberOfTrailingZeros(m);
        int[] p = paths[i];
        if (p[depth] != number) {
          continue;
        }
        if (depth == p.length - 1) {
          out.found(i, every[i], start, len);
        } else {
          deeper |= 1 << i;
        }
      }
      if (deeper == 0) {
        continue;
      }
      if (depth > 0) {
        scan(buf, start, start + len, depth + 1, deeper, out);
        continue;
      }
      try {
        scan(buf, start, start + len, 1, deeper, out);
      } catch (MalformedMessageException e) {
        out.failed(deeper, e);
      }
    }
  }

  /** The values one {@link #read} found, by path index. */
  public static final class Values {
    private final byte[] message;
    private final int[] offsets;
    private final int[] lengths;
    private int[][] spans;
    private MalformedMessageException[] errors;

    private Values(byte[] message, int n) {
      this.message = message;
      this.offsets = new int[n];
      this.lengths = new int[n];
      Arrays.fill(offsets, -1);
    }

    private void found(int i, boolean all, int offset, int length) {
      if (!all) {
        offsets[i] = offset;
        lengths[i] = length;
        return;
      }
      if (spans == null) {
        spans = new int[offsets.length][];
      }
      int[] s = spans[i];
      int n = lengths[i];
      if (s == null) {
        s = new int[8];
      } else if (2 * n + 2 > s.length) {
        s = Arrays.copyOf(s, s.length * 2);
      }
      s[2 * n] = offset;
      s[2 * n + 1] = length;
      spans[i] = s;
      lengths[i] = n + 1;
    }

    private void failed(int mask, MalformedMessageException e) {
      if (errors == null) {
        errors = new MalformedMessageException[offsets.length];
      }
      for (int m = mask; m != 0; m &= m - 1) {
        int i = Integer.numberOfTrailingZeros(m);
        if (errors[i] == null) {
          errors[i] = e;
        }
      }
    }

    private void check(int i) {
      if (errors != null && errors[i] != null) {
        throw new MalformedMessageException(errors[i].getMessage());
      }
    }

    /** The last string at path {@code i}, or null when absent. */
    public String string(int i) {
      check(i);
      return offsets[i] < 0
          ? null
          : new String(message, offsets[i], lengths[i], StandardCharsets.UTF_8);
    }

    /** The last bytes value at path {@code i}, or null when absent. */
    public byte[] bytes(int i) {
      check(i);
      return offsets[i] < 0
          ? null
          : Arrays.copyOfRange(message, offsets[i], offsets[i] + lengths[i]);
    }

    /** Every string at path {@code i} (one read with {@link Builder#every}), in order. */
    public List<String> strings(int i) {
      check(i);
      int n = spans == null || spans[i] == null ? 0 : lengths[i];
      List<String> out = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        out.add(new String(message, spans[i][2 * k], spans[i][2 * k + 1], StandardCharsets.UTF_8));
      }
      return out;
    }
  }
}
