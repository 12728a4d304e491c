package dev.layerfuse.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259): objects become {@code LinkedHashMap}, arrays
 * {@code ArrayList}, numbers {@code Long} when integral else {@code Double}. Nesting depth is
 * bounded, so hostile input cannot overflow the stack.
 */
public final class Json {
  private static final int MAX_DEPTH = 64;
  private final String s;
  private int i;

  private Json(String s) {
    this.s = s;
  }

  /** Parses one JSON value filling the whole string. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.ws();
    Object v = p.value(0);
    p.ws();
    if (p.i != text.length()) throw p.error("trailing characters");
    return v;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
  }

  private void ws() {
    while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH);
    if (i >= s.length()) throw error("unexpected end");
    char c = s.charAt(i);
    switch (c) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true", Boolean.TRUE);
      case 'f': return literal("false", Boolean.FALSE);
      case 'n': return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character '" + c + "'");
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) throw error("expected " + word);
    i += word.length();
    return v;
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    ws();
    if (i < s.length() && s.charAt(i) == '}') {
      i++;
      return m;
    }
    while (true) {
      ws();
      if (i >= s.length() || s.charAt(i) != '"') throw error("expected a key");
      String k = string();
      ws();
      if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':'");
      i++;
      ws();
      if (m.put(k, value(depth + 1)) != null) throw error("duplicate key '" + k + "'");
      ws();
      if (i >= s.length()) throw error("unterminated object");
      char c = s.charAt(i++);
      if (c == '}') return m;
      if (c != ',') throw error("expected ',' or '}'");
    }
  }

  private List<Object> array(int depth) {
    List<Object> a = new ArrayList<>();
    i++;
    ws();
    if (i < s.length() && s.charAt(i) == ']') {
      i++;
      return a;
    }
    while (true) {
      ws();
      a.add(value(depth + 1));
      ws();
      if (i >= s.length()) throw error("unterminated array");
      char c = s.charAt(i++);
      if (c == ']') return a;
      if (c != ',') throw error("expected ',' or ']'");
    }
  }

  private String string() {
    StringBuilder sb = new StringBuilder();
    i++;
    while (true) {
      if (i >= s.length()) throw error("unterminated string");
      char c = s.charAt(i++);
      if (c == '"') return sb.toString();
      if (c < 0x20) throw error("control character in string");
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (i >= s.length()) throw error("unterminated escape");
      char e = s.charAt(i++);
      switch (e) {
        case '"': case '\\': case '/': sb.append(e); break;
        case 'b': sb.append('\b'); break;
        case 'f': sb.append('\f'); break;
        case 'n': sb.append('\n'); break;
        case 'r': sb.append('\r'); break;
        case 't': sb.append('\t'); break;
        case 'u':
          if (i + 4 > s.length()) throw error("short \\u escape");
          try {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          i += 4;
          break;
        default: throw error("bad escape '\\" + e + "'");
      }
    }
  }

  private Object number() {
    int start = i;
    if (s.charAt(i) == '-') i++;
    while (i < s.length() && "0123456789+-.eE".indexOf(s.charAt(i)) >= 0) i++;
    String t = s.substring(start, i);
    try {
      if (t.matches("-?(0|[1-9][0-9]*)")) return Long.parseLong(t);
      if (!t.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) throw error("bad number '" + t + "'");
      return Double.parseDouble(t);
    } catch (NumberFormatException ex) {
      throw error("bad number '" + t + "'");
    }
  }
}
