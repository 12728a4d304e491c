package dev.layerfuse.nn;

import dev.layerfuse.graph.AddOp;
import java.util.Map;

/**
 * A residual block: {@code post(main(x) + shortcut(x))}, the shortcut being the identity when
 * absent (ResNet's BasicBlock, MobileNetV2's inverted residual).
 *
 * <p>Parameter names follow PyTorch: with {@link Builder#mainInline} the main branch's children
 * sit directly under the block ({@code layer1.0.conv1.weight}, as torchvision's BasicBlock);
 * with {@link Builder#main(String, Sequential)} under a named child ({@code features.2.conv.0.0.weight}).
 */
public final class Residual extends Module {
  private final Sequential main;
  private final boolean inline;
  private final String mainName, shortcutName, postName;

  private Residual(Builder b) {
    if (b.main == null) throw new IllegalArgumentException("Residual: the main branch is required");
    this.main = b.main;
    this.inline = b.mainName == null;
    this.mainName = b.mainName;
    if (inline) b.main.children().forEach(this::child);
    else child(b.mainName, b.main);
    this.shortcutName = b.shortcut == null ? null : b.shortcutName;
    if (b.shortcut != null) child(b.shortcutName, b.shortcut);
    this.postName = b.post == null ? null : b.postName;
    if (b.post != null) child(b.postName, b.post);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    String m = input;
    if (inline) {
      for (Map.Entry<String, Module> e : main.children().entrySet()) m = e.getValue().emit(b, join(path, e.getKey()), m);
    } else {
      m = main.emit(b, join(path, mainName), input);
    }
    String skip = shortcutName == null ? input : children().get(shortcutName).emit(b, join(path, shortcutName), input);
    String sum = b.add(join(path, "add"), new AddOp(), m, skip);
    return postName == null ? sum : children().get(postName).emit(b, join(path, postName), sum);
  }

  /** Options of {@link Residual}. */
  public static final class Builder {
    private Sequential main;
    private String mainName;
    private Module shortcut, post;
    private String shortcutName = "downsample", postName = "relu_out";

    /** The main branch, its children named directly under the block. */
    public Builder mainInline(Sequential branch) {
      this.main = branch;
      this.mainName = null;
      return this;
    }

    /** The main branch as a named child. */
    public Builder main(String name, Sequential branch) {
      this.main = branch;
      this.mainName = name;
      return this;
    }

    /** A shortcut branch (default: identity). */
    public Builder shortcut(String name, Module branch) {
      this.shortcutName = name;
      this.shortcut = branch;
      return this;
    }

    /** A module applied after the sum (e.g. ReLU). */
    public Builder post(String name, Module module) {
      this.postName = name;
      this.post = module;
      return this;
    }

    public Residual build() {
      return new Residual(this);
    }
  }
}
