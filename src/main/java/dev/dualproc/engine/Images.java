package dev.dualproc.engine;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.bytedeco.pytorch.Tensor;
import org.w3c.dom.Node;

/**
 * Images as the models see them, [1, 3, H, W] float in [-1, 1], and as files: 8-bit RGB PNG with text metadata
 * (seed, prompt, step, ...). Pixel value p in 0..255 maps to p / 127.5 - 1, and back with rounding and clamping.
 */
public final class Images {
  private Images() {}

  private static final String PNG_FORMAT = "javax_imageio_png_1.0";

  /** [1, 3, H, W] (or [3, H, W]) in [-1, 1], any dtype or device, to an RGB image; values outside are clamped. */
  public static BufferedImage toImage(Tensor image) {
    long[] s = Tensors.shape(image);
    if (!(s.length == 4 && s[0] == 1 && s[1] == 3) && !(s.length == 3 && s[0] == 3))
      throw new IllegalArgumentException("expected an image tensor [1, 3, H, W] or [3, H, W], got " + Tensors.shapeString(image));
    int h = (int) s[s.length - 2], w = (int) s[s.length - 1];
    float[] v = Tensors.floats(image);
    int plane = h * w;
    int[] rgb = new int[plane];
    for (int i = 0; i < plane; i++)
      rgb[i] = (byteOf(v[i]) << 16) | (byteOf(v[plane + i]) << 8) | byteOf(v[2 * plane + i]);
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, rgb, 0, w);
    return out;
  }

  /** An image to a float32 CPU tensor [1, 3, H, W] in [-1, 1] (alpha is dropped). */
  public static Tensor toTensor(BufferedImage img) {
    int w = img.getWidth(), h = img.getHeight(), plane = w * h;
    int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
    float[] v = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      v[i] = ((rgb[i] >> 16) & 0xff) / 127.5f - 1f;
      v[plane + i] = ((rgb[i] >> 8) & 0xff) / 127.5f - 1f;
      v[2 * plane + i] = (rgb[i] & 0xff) / 127.5f - 1f;
    }
    return Tensors.fromFloats(v, 1, 3, h, w);
  }

  private static int byteOf(float x) {
    if (!(x >= -1f)) return 0; // also NaN: black, not an exception halfway through a grid
    if (x >= 1f) return 255;
    return Math.round((x + 1f) * 127.5f);
  }

  /** Writes the tensor as a PNG, atomically, with text chunks (tEXt, or iTXt for text beyond Latin-1). */
  public static void writePng(Path target, Tensor image, Map<String, String> text) { writePng(target, toImage(image), text); }

  public static void writePng(Path target, BufferedImage img, Map<String, String> text) {
    AtomicFiles.write(target, encodePng(img, text == null ? Map.of() : text));
  }

  public static byte[] encodePng(BufferedImage img, Map<String, String> text) {
    for (String k : text.keySet())
      if (k.isEmpty() || k.length() > 79 || !StandardCharsets.ISO_8859_1.newEncoder().canEncode(k) || k.contains("\0"))
        throw new IllegalArgumentException("PNG text key '" + k + "': expected 1-79 Latin-1 characters");
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    try {
      IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), writer.getDefaultWriteParam());
      IIOMetadataNode root = new IIOMetadataNode(PNG_FORMAT);
      IIOMetadataNode tEXt = new IIOMetadataNode("tEXt"), iTXt = new IIOMetadataNode("iTXt");
      for (var e : text.entrySet()) {
        String v = e.getValue() == null ? "" : e.getValue();
        if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(v)) {
          IIOMetadataNode n = new IIOMetadataNode("tEXtEntry");
          n.setAttribute("keyword", e.getKey());
          n.setAttribute("value", v);
          tEXt.appendChild(n);
        } else {
          IIOMetadataNode n = new IIOMetadataNode("iTXtEntry");
          n.setAttribute("keyword", e.getKey());
          n.setAttribute("compressionFlag", "FALSE");
          n.setAttribute("compressionMethod", "0");
          n.setAttribute("languageTag", "");
          n.setAttribute("translatedKeyword", "");
          n.setAttribute("text", v);
          iTXt.appendChild(n);
        }
      }
      if (tEXt.hasChildNodes()) root.appendChild(tEXt);
      if (iTXt.hasChildNodes()) root.appendChild(iTXt);
      meta.mergeTree(PNG_FORMAT, root);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
        writer.setOutput(out);
        writer.write(null, new IIOImage(img, null, meta), writer.getDefaultWriteParam());
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new DualprocException("PNG encoding failed (" + e.getMessage() + ")", e);
    } finally {
      writer.dispose();
    }
  }

  public static BufferedImage read(Path file) {
    try {
      BufferedImage img = ImageIO.read(file.toFile());
      if (img == null) throw new DualprocException(file + ": not an image ImageIO can read (expected PNG or JPEG)");
      return img;
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read image (" + e.getMessage() + ")", e);
    }
  }

  public static Tensor readTensor(Path file) { return toTensor(read(file)); }

  /** The tEXt and iTXt entries of a PNG file, in file order. */
  public static Map<String, String> readPngText(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) throw new DualprocException(file + ": not a PNG file");
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, false);
        IIOMetadata meta = reader.getImageMetadata(0);
        if (meta == null || !java.util.Arrays.asList(meta.getMetadataFormatNames()).contains(PNG_FORMAT))
          throw new DualprocException(file + ": not a PNG file");
        for (Node chunk = meta.getAsTree(PNG_FORMAT).getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
          String kind = chunk.getNodeName();
          if (!kind.equals("tEXt") && !kind.equals("iTXt")) continue;
          for (Node e = chunk.getFirstChild(); e != null; e = e.getNextSibling()) {
            IIOMetadataNode n = (IIOMetadataNode) e;
            out.put(n.getAttribute("keyword"), n.getAttribute(kind.equals("tEXt") ? "value" : "text"));
          }
        }
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new DualprocException(file + ": cannot read PNG metadata (" + e.getMessage() + ")", e);
    }
    return out;
  }
}
