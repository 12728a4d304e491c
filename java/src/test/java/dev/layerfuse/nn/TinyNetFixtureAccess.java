package dev.layerfuse.nn;

/** Lets tests in other packages build the tinynet fixture's network. */
public final class TinyNetFixtureAccess {
  private TinyNetFixtureAccess() {}

  public static Sequential tinyNet() {
    return TinyNetFixtureTest.tinyNet();
  }
}
