// The Java peer of the Avro differential test: Apache Avro 1.12's own answers
// for schemas, the binary encoding and the Avro JSON encoding, one
// long-running JVM speaking JSON lines (one request per line on stdin, one
// answer per line on stdout, in order), so hundreds of cases cost one JVM
// start. Driven from Python by tests/interop/avro_peer.py; built by
// `make java-peer` (jars from tests/interop/java/fetch in build/java/lib,
// classes in build/java/classes).
//
// Requests and answers (every answer has "ok"; ok:false carries "error",
// the exception's class and message):
//   {"op":"parse","schema":TEXT}
//       -> {"ok":true,"canonical":PARSING-CANONICAL-FORM,"full":Schema.toString()}
//       Schema.Parser with 1.12's defaults (names validated, defaults validated).
//   {"op":"encode","schema":TEXT,"json":TEXT}
//       -> {"ok":true,"hex":BODY}
//       TEXT read with JsonDecoder (the Avro JSON encoding) by a
//       GenericDatumReader, written by GenericDatumWriter to a BinaryEncoder.
//       Text left after the value is an error.
//   {"op":"decode","writer":TEXT,"reader":TEXT|null,"hex":BODY}
//       -> {"ok":true,"json":TEXT}
//       GenericDatumReader(writer, reader or writer) over the whole body
//       (bytes left after the value are an error), written with JsonEncoder
//       (the Avro JSON encoding of the reader schema).
//   {"op":"compat","writer":TEXT,"reader":TEXT}
//       -> {"ok":true,"compatible":true|false,"description":...}
//       SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).
// GenericData has no logical-type conversions here: logical types are their
// underlying values on both sides, as in the Avro JSON encoding. Maps are
// read into LinkedHashMaps (GenericDatumReader's HashMap would write a map's
// entries in hash order): entries keep the order of the JSON text or the body.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonDecoder;
import org.apache.avro.io.JsonEncoder;

public final class AvroPeer {
    private static final ObjectMapper M = new ObjectMapper();

    /** GenericData with maps in the order read (a LinkedHashMap). */
    private static final GenericData DATA = new GenericData() {
        @Override
        public Object newMap(Object old, int size) {
            return new LinkedHashMap<Object, Object>(Math.max(size, 16));
        }
    };

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    private static byte[] unhex(String h) {
        if (h.length() % 2 != 0) throw new IllegalArgumentException("odd hex length");
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    private static String text(JsonNode req, String key) {
        JsonNode n = req.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static ObjectNode handle(JsonNode req) throws Exception {
        ObjectNode out = M.createObjectNode();
        String op = text(req, "op");
        if ("parse".equals(op)) {
            Schema s = parse(text(req, "schema"));
            out.put("ok", true);
            out.put("canonical", SchemaNormalization.toParsingForm(s));
            out.put("full", s.toString());
        } else if ("encode".equals(op)) {
            Schema s = parse(text(req, "schema"));
            String json = text(req, "json");
            JsonDecoder in = DecoderFactory.get().jsonDecoder(s, json);
            Object v = new GenericDatumReader<Object>(s, s, DATA).read(null, in);
            // JsonDecoder leaves whatever follows the value unread: refuse it.
            com.fasterxml.jackson.core.JsonParser p = M.getFactory().createParser(json);
            p.readValueAsTree();
            if (p.nextToken() != null) throw new IllegalArgumentException("text after the value");
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(bos, null);
            new GenericDatumWriter<Object>(s, DATA).write(v, e);
            e.flush();
            out.put("ok", true);
            out.put("hex", hex(bos.toByteArray()));
        } else if ("decode".equals(op)) {
            Schema w = parse(text(req, "writer"));
            String rt = text(req, "reader");
            Schema r = rt == null ? w : parse(rt);
            byte[] body = unhex(text(req, "hex"));
            BinaryDecoder d = DecoderFactory.get().binaryDecoder(body, null);
            Object v = new GenericDatumReader<Object>(w, r, DATA).read(null, d);
            if (!d.isEnd()) throw new IllegalArgumentException("bytes left after the value");
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            JsonEncoder e = EncoderFactory.get().jsonEncoder(r, bos);
            new GenericDatumWriter<Object>(r, DATA).write(v, e);
            e.flush();
            out.put("ok", true);
            out.put("json", bos.toString(StandardCharsets.UTF_8));
        } else if ("compat".equals(op)) {
            Schema w = parse(text(req, "writer"));
            Schema r = parse(text(req, "reader"));
            SchemaCompatibility.SchemaPairCompatibility c =
                SchemaCompatibility.checkReaderWriterCompatibility(r, w);
            out.put("ok", true);
            out.put("compatible", c.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            out.put("description", c.getDescription());
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            ObjectNode ans;
            try {
                ans = handle(M.readTree(line));
            } catch (Throwable t) { // StackOverflowError and OutOfMemoryError included
                ans = M.createObjectNode();
                ans.put("ok", false);
                ans.put("error", t.getClass().getName() + ": " + t.getMessage());
            }
            out.println(M.writeValueAsString(ans));
            out.flush();
        }
    }
}
