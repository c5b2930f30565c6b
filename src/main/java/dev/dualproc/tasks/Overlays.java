package dev.dualproc.tasks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

/** TEMPORARY stand-in for the world branch's overlay renderers (agreed API); deleted when that branch is on main. */
public final class Overlays {
  private Overlays() {}

  public static BufferedImage render(String preset, Map<String, Object> params, int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.RED);
    switch (preset) {
      case "horizon" -> g.fillRect(0, (int) Math.round(((Number) params.get("value")).doubleValue() * (height - 1)), width, Math.max(1, height / 64));
      case "line-weight" -> { g.setStroke(new BasicStroke(((Number) params.get("value")).floatValue())); g.drawLine(width / 4, height * 7 / 8, width * 3 / 4, height * 7 / 8); }
      case "palette" -> {
        List<?> colors = (List<?>) params.get("colors");
        int sw = width / colors.size();
        for (int i = 0; i < colors.size(); i++) { g.setColor(Color.decode((String) colors.get(i))); g.fillRect(i * sw, height * 7 / 8, sw, height / 8); }
      }
      case "depth" -> {
        for (String k : List.of("a", "b")) {
          List<?> p = (List<?>) params.get(k);
          int x = (int) (((Number) p.get(0)).doubleValue() * width), y = (int) (((Number) p.get(1)).doubleValue() * height);
          g.fillOval(x - 2, y - 2, 5, 5);
        }
      }
      default -> throw new IllegalArgumentException("no overlay for preset " + preset);
    }
    g.dispose();
    return img;
  }
}
