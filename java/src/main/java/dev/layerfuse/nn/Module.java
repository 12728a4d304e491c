package dev.layerfuse.nn;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer or container, declared like a PyTorch {@code nn.Module}. Hyperparameters are fixed at
 * construction; parameters (weights, BatchNorm statistics) are named as in a PyTorch state_dict
 * ({@code features.0.weight}) and can be replaced with {@link #load} or
 * {@link StateDict#load}. {@link #toGraph} snapshots the module into an immutable
 * {@link Graph}: later parameter changes do not affect graphs already built.
 */
public abstract class Module {
  private final Map<String, Shape> parameterShapes = new LinkedHashMap<>();
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training;

  /** Declares a parameter with its shape; it starts as zeros. */
  protected final void declare(String name, Shape shape) {
    parameterShapes.put(name, shape);
    parameters.put(name, Tensor.zeros(shape));
  }

  /** Registers a child under {@code name} (its parameters are {@code name.param}). */
  protected final <M extends Module> M child(String name, M module) {
    if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("child name '" + name + "' must be non-empty, without '.'");
    if (children.put(name, module) != null) throw new IllegalArgumentException("duplicate child name '" + name + "'");
    return module;
  }

  /** The direct children, in order. */
  public Map<String, Module> children() {
    return Collections.unmodifiableMap(children);
  }

  /** This module's own parameters (not its children's), by local name. */
  public Map<String, Tensor> localParameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** The declared shape of a local parameter. */
  public Map<String, Shape> localParameterShapes() {
    return Collections.unmodifiableMap(parameterShapes);
  }

  /** A local parameter by name. */
  public Tensor parameter(String name) {
    Tensor t = parameters.get(name);
    if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "', has " + parameters.keySet());
    return t;
  }

  /** Replaces one local parameter; the shape must match the declared one. */
  public void load(String name, Tensor value) {
    Shape expected = parameterShapes.get(name);
    if (expected == null) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "', has " + parameterShapes.keySet());
    }
    if (!expected.equals(value.shape())) {
      throw new IllegalArgumentException(getClass().getSimpleName() + "." + name + ": shape " + value.shape() + ", expected " + expected);
    }
    parameters.put(name, value);
  }

  /** Every parameter of this module and its descendants, by full dotted name. */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out);
    return out;
  }

  private void collect(String prefix, Map<String, Tensor> out) {
    parameters.forEach((k, v) -> out.put(prefix + k, v));
    children.forEach((k, v) -> v.collect(prefix + k + ".", out));
  }

  /** Every module by full dotted name ("" for this one). */
  public Map<String, Module> modules() {
    Map<String, Module> out = new LinkedHashMap<>();
    walk("", out);
    return out;
  }

  private void walk(String path, Map<String, Module> out) {
    out.put(path, this);
    children.forEach((k, v) -> v.walk(path.isEmpty() ? k : path + "." + k, out));
  }

  /** Training mode (BatchNorm normalises with batch statistics) for this module and its children. */
  public Module train(boolean on) {
    training = on;
    children.values().forEach(c -> c.train(on));
    return this;
  }

  public boolean isTraining() {
    return training;
  }

  /**
   * Adds this module's nodes to {@code b}, reading value {@code input}; returns the value it
   * produces. {@code path} is the module's dotted name, used to name its nodes.
   */
  protected abstract String emit(GraphBuilder b, String path, String input);

  /** Builds the inference graph for one input named {@code input} of the given shape. */
  public Graph toGraph(Shape inputShape) {
    return toGraph("input", inputShape);
  }

  /** Builds the inference graph; the output value is named {@code output}. */
  public Graph toGraph(String inputName, Shape inputShape) {
    GraphBuilder b = new GraphBuilder();
    String out = emit(b, "", inputName);
    return b.build(Map.of(inputName, inputShape), List.of(out));
  }

  /** Joins a parent path and a child name. */
  protected static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
