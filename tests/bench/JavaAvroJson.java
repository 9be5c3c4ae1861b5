/*
 * JavaAvroJson: the Java Avro 1.12 baseline of the avro-numbers benchmark
 * (tests/bench/run).
 *
 *     java -cp AVRO_CLASSPATH:DIR JavaAvroJson SCHEMA.avsc <bare-bodies >ndjson
 *
 * Reads a record stream of bare Avro bodies (4-byte big-endian length, then
 * the body), decodes each with GenericDatumReader and writes it in Avro's
 * JSON encoding with JsonEncoder, one line per record: what
 * avrodecode --encoding avro --out ndjson does.
 */
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.OutputStream;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;

public class JavaAvroJson {
	public static void main(String[] args) throws Exception {
		if (args.length != 1) {
			System.err.println("usage: JavaAvroJson SCHEMA.avsc <bare-bodies");
			System.exit(2);
		}
		Schema s = new Schema.Parser().parse(new File(args[0]));
		GenericDatumReader<Object> r = new GenericDatumReader<>(s);
		GenericDatumWriter<Object> w = new GenericDatumWriter<>(s);
		DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
		OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
		JsonEncoder enc = EncoderFactory.get().jsonEncoder(s, out);
		BinaryDecoder dec = null;
		Object datum = null;
		byte[] body = new byte[0];
		for (;;) {
			int n;
			try {
				n = in.readInt();
			} catch (EOFException e) {
				break;
			}
			if (n < 0)
				throw new IllegalStateException("null or impossible record");
			if (body.length < n)
				body = new byte[n];
			in.readFully(body, 0, n);
			dec = DecoderFactory.get().binaryDecoder(body, 0, n, dec);
			datum = r.read(datum, dec);
			w.write(datum, enc);
			enc.flush();
		}
		out.flush();
	}
}
