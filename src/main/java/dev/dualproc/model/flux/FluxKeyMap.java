package dev.dualproc.model.flux;

import dev.dualproc.engine.DType;
import dev.dualproc.engine.DualprocException;
import dev.dualproc.engine.TensorSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import static org.bytedeco.pytorch.global.torch.cat;

/**
 * The BFL <-> diffusers name table of the FLUX transformer ({@code transformer-diffusers-keys.tsv}, data), and what
 * follows from it: a BFL-named view of diffusers tensors, the inverse conversion, and where a diffusers module (a LoRA
 * target such as {@code transformer_blocks.0.attn.to_k}) lives inside a fused BFL weight.
 */
public final class FluxKeyMap {
  public enum Transform { MODULE, KEY, CONCAT, SWAP }

  /** One diffusers module or key of a row; {@code size} names its row count in a concatenation (hidden or mlp), else null. */
  public record Part(String name, String size) {}

  public record Row(String bfl, List<Part> diffusers, Transform transform, Pattern bflPattern, List<Pattern> partPatterns) {}

  /** A concrete diffusers module inside a concrete BFL module: output rows [rowStart, rowEnd); swapped = norm_out halves. */
  public record Location(String bflModule, long rowStart, long rowEnd, Transform transform) {}

  private static final String RESOURCE = "transformer-diffusers-keys.tsv";
  private static volatile FluxKeyMap diffusers;
  private final List<Row> rows;

  private FluxKeyMap(List<Row> rows) { this.rows = List.copyOf(rows); }

  /** The diffusers FluxTransformer2DModel table. */
  public static FluxKeyMap diffusers() {
    if (diffusers == null) {
      try (InputStream in = FluxKeyMap.class.getResourceAsStream(RESOURCE)) {
        if (in == null) throw new DualprocException("resource " + RESOURCE + " is missing from the build");
        diffusers = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
      } catch (IOException e) {
        throw new DualprocException("cannot read resource " + RESOURCE + ": " + e.getMessage());
      }
    }
    return diffusers;
  }

  static FluxKeyMap parse(String text, String origin) {
    List<Row> rows = new ArrayList<>();
    int lineNo = 0;
    try (BufferedReader r = new BufferedReader(new java.io.StringReader(text))) {
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank() || line.startsWith("#")) continue;
        String[] c = line.split("\t");
        if (c.length != 3) throw new DualprocException(origin + ":" + lineNo + ": expected 3 tab-separated columns, got " + c.length);
        Transform t;
        try {
          t = Transform.valueOf(c[2].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new DualprocException(origin + ":" + lineNo + ": unknown transform '" + c[2] + "'");
        }
        List<Part> parts = new ArrayList<>();
        for (String p : c[1].split(",")) {
          String[] ns = p.trim().split(":");
          parts.add(new Part(ns[0], ns.length > 1 ? ns[1] : null));
        }
        if ((t == Transform.CONCAT) != (parts.size() > 1) || (t == Transform.CONCAT && parts.stream().anyMatch(x -> x.size() == null)))
          throw new DualprocException(origin + ":" + lineNo + ": concat rows (and only they) list several parts, each with a size");
        rows.add(new Row(c[0].trim(), parts, t, pattern(c[0].trim()), parts.stream().map(x -> pattern(x.name())).toList()));
      }
    } catch (IOException e) {
      throw new DualprocException(origin + ": " + e.getMessage());
    }
    return new FluxKeyMap(rows);
  }

  public List<Row> rows() { return rows; }

  // "double_blocks.N.img_mod.lin" -> ^double_blocks\.(\d+)\.img_mod\.lin$
  private static Pattern pattern(String name) {
    StringJoiner j = new StringJoiner("\\.", "^", "$");
    for (String seg : name.split("\\.")) j.add(seg.equals("N") ? "(\\d+)" : Pattern.quote(seg));
    return Pattern.compile(j.toString());
  }

  private static String fill(String name, String block) {
    return block == null ? name : String.join(".", Arrays.stream(name.split("\\.")).map(s -> s.equals("N") ? block : s).toList());
  }

  private static String block(Matcher m) { return m.groupCount() > 0 ? m.group(1) : null; }

  /** Splits "a.b.weight" into module and suffix (".weight"/".bias"), or null when it has neither. */
  private static String[] moduleAndSuffix(String key) {
    for (String s : new String[] {".weight", ".bias"}) if (key.endsWith(s)) return new String[] {key.substring(0, key.length() - s.length()), s};
    return null;
  }

  /** The diffusers keys a BFL key is made of (in concatenation order), and the transform; empty if the table has no row. */
  public Optional<Map.Entry<Transform, List<String>>> toDiffusers(String bflKey) {
    for (Row row : rows) {
      if (row.transform == Transform.KEY) {
        Matcher m = row.bflPattern.matcher(bflKey);
        if (m.matches()) return Optional.of(Map.entry(row.transform, List.of(fill(row.diffusers.get(0).name(), block(m)))));
        continue;
      }
      String[] ms = moduleAndSuffix(bflKey);
      if (ms == null) continue;
      Matcher m = row.bflPattern.matcher(ms[0]);
      if (m.matches()) return Optional.of(Map.entry(row.transform, row.diffusers.stream().map(p -> fill(p.name(), block(m)) + ms[1]).toList()));
    }
    return Optional.empty();
  }

  /** The BFL key a diffusers key belongs to (several diffusers keys can share one). */
  public Optional<String> toBfl(String diffusersKey) {
    for (Row row : rows) {
      for (int i = 0; i < row.diffusers.size(); i++) {
        if (row.transform == Transform.KEY) {
          Matcher m = row.partPatterns.get(i).matcher(diffusersKey);
          if (m.matches()) return Optional.of(fill(row.bfl, block(m)));
          continue;
        }
        String[] ms = moduleAndSuffix(diffusersKey);
        if (ms == null) continue;
        Matcher m = row.partPatterns.get(i).matcher(ms[0]);
        if (m.matches()) return Optional.of(fill(row.bfl, block(m)) + ms[1]);
      }
    }
    return Optional.empty();
  }

  /** Where the diffusers module {@code diffusersModule} (no .weight) lives among the BFL linears of a model with params p. */
  public Optional<Location> locate(String diffusersModule, FluxParams p) {
    for (Row row : rows) {
      if (row.transform == Transform.KEY) continue;
      long start = 0;
      for (int i = 0; i < row.diffusers.size(); i++) {
        Part part = row.diffusers.get(i);
        long rows = part.size() == null ? -1 : size(part.size(), p);
        Matcher m = row.partPatterns.get(i).matcher(diffusersModule);
        if (m.matches()) {
          String bfl = fill(row.bfl, block(m));
          return Optional.of(rows < 0 ? new Location(bfl, 0, -1, row.transform) : new Location(bfl, start, start + rows, row.transform));
        }
        start += Math.max(rows, 0);
      }
    }
    return Optional.empty();
  }

  /** The diffusers modules inside one BFL module, with their row ranges (whole-module rows have rowEnd -1). */
  public List<Map.Entry<String, Location>> parts(String bflModule, FluxParams p) {
    for (Row row : rows) {
      if (row.transform == Transform.KEY) continue;
      Matcher m = row.bflPattern.matcher(bflModule);
      if (!m.matches()) continue;
      List<Map.Entry<String, Location>> out = new ArrayList<>();
      long start = 0;
      for (Part part : row.diffusers) {
        long rows = part.size() == null ? -1 : size(part.size(), p);
        out.add(Map.entry(fill(part.name(), block(m)),
            rows < 0 ? new Location(bflModule, 0, -1, row.transform) : new Location(bflModule, start, start + rows, row.transform)));
        start += Math.max(rows, 0);
      }
      return out;
    }
    return List.of();
  }

  private static long size(String token, FluxParams p) {
    return switch (token) {
      case "hidden" -> p.hiddenSize();
      case "mlp" -> p.mlpHidden();
      default -> throw new DualprocException(RESOURCE + ": unknown part size '" + token + "' (expected hidden or mlp)");
    };
  }

  /** BFL-named tensors as diffusers-named ones: fused weights split with part sizes from {@code p}, norm_out halves swapped. */
  public Map<String, Tensor> toDiffusers(Map<String, Tensor> bfl, FluxParams p) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : bfl.entrySet()) {
      var m = toDiffusers(e.getKey()).orElseThrow(() -> new DualprocException("no diffusers name for BFL tensor '" + e.getKey() + "'"));
      List<String> names = m.getValue();
      Tensor t = e.getValue();
      switch (m.getKey()) {
        case MODULE, KEY -> out.put(names.get(0), t);
        case SWAP -> out.put(names.get(0), swapHalves(t, e.getKey()));
        case CONCAT -> {
          var parts = parts(moduleAndSuffix(e.getKey())[0], p);
          for (int i = 0; i < names.size(); i++) {
            Location l = parts.get(i).getValue();
            out.put(names.get(i), t.narrow(0, l.rowStart(), l.rowEnd() - l.rowStart()).clone());
          }
        }
      }
    }
    return out;
  }

  static Tensor swapHalves(Tensor t, String name) {
    long n = t.size(0);
    if (n % 2 != 0) throw new DualprocException("'" + name + "': " + n + " rows cannot be split into two halves");
    return cat(new TensorVector(t.narrow(0, n / 2, n / 2), t.narrow(0, 0, n / 2)), 0);
  }

  /** diffusers-named tensors seen under BFL names; names without a table row stay as they are (and load unmatched). */
  public TensorSource asBfl(TensorSource diffusers) {
    Map<String, List<String>> parts = new LinkedHashMap<>();
    Map<String, Transform> transforms = new HashMap<>();
    List<String> stray = new ArrayList<>();
    Set<String> present = new HashSet<>(diffusers.names());
    for (String d : diffusers.names()) {
      Optional<String> b = toBfl(d);
      if (b.isEmpty()) { stray.add(d); continue; }
      if (parts.containsKey(b.get())) continue;
      var m = toDiffusers(b.get()).orElseThrow();
      if (present.containsAll(m.getValue())) {
        parts.put(b.get(), m.getValue());
        transforms.put(b.get(), m.getKey());
      }
    }
    // parts whose siblings are missing cannot form a BFL tensor: they show as unmatched
    Set<String> used = new HashSet<>();
    parts.values().forEach(used::addAll);
    for (String d : diffusers.names()) if (!used.contains(d) && !stray.contains(d)) stray.add(d);
    List<String> names = new ArrayList<>(parts.keySet());
    names.addAll(stray);
    return new TensorSource() {
      @Override public String origin() { return diffusers.origin() + " (diffusers names)"; }
      @Override public Collection<String> names() { return Collections.unmodifiableList(names); }
      @Override public boolean contains(String name) { return parts.containsKey(name) || stray.contains(name); }
      @Override public DType dtype(String name) {
        return parts.containsKey(name) ? diffusers.dtype(parts.get(name).get(0)) : diffusers.dtype(name);
      }
      @Override public long[] shape(String name) {
        if (!parts.containsKey(name)) return diffusers.shape(name);
        long[] s = diffusers.shape(parts.get(name).get(0)).clone();
        for (String p : parts.get(name).subList(1, parts.get(name).size())) s[0] += diffusers.shape(p)[0];
        return s;
      }
      @Override public Tensor load(String name) {
        if (!parts.containsKey(name)) return diffusers.load(name);
        List<String> ps = parts.get(name);
        return switch (transforms.get(name)) {
          case MODULE, KEY -> diffusers.load(ps.get(0));
          case SWAP -> {
            Tensor t = diffusers.load(ps.get(0));
            Tensor swapped = swapHalves(t, ps.get(0));
            t.close(); // the copy is all that is needed; free the part now, not at the next GC (real models are GBs)
            yield swapped;
          }
          case CONCAT -> {
            List<Tensor> loaded = new ArrayList<>();
            TensorVector v = new TensorVector();
            for (String p : ps) { Tensor t = diffusers.load(p); loaded.add(t); v.push_back(t); }
            Tensor fused = cat(v, 0);
            v.close();
            loaded.forEach(Tensor::close);
            yield fused;
          }
        };
      }
      @Override public void close() { diffusers.close(); }
    };
  }
}
