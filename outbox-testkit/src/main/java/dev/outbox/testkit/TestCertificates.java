package dev.outbox.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and a server certificate it signed for {@code localhost} and {@code 127.0.0.1}, generated
 * with the JDK's {@code keytool} into a fresh directory: what a TLS listener (Kafka's, PostgreSQL's) needs, and the
 * truststore or CA file its clients verify it with. A second {@link #generate()} makes an unrelated authority, whose
 * clients do not trust the first one's server.
 */
public final class TestCertificates {

    private static final String PASSWORD = "outbox-test-store";
    private static final String CA = "ca";
    private static final String SERVER = "server";

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /** Generates a new authority and server certificate in a temporary directory (valid for 30 days). */
    public static TestCertificates generate() {
        try {
            TestCertificates certificates = new TestCertificates(Files.createTempDirectory("outbox-tls-"));
            certificates.create();
            return certificates;
        } catch (IOException e) {
            throw new UncheckedIOException("could not generate test certificates", e);
        }
    }

    private void create() throws IOException {
        Path ca = directory.resolve("ca.p12");
        Path server = serverKeystore();
        Path request = directory.resolve("server.csr");
        keytool("-genkeypair", "-keystore", ca, "-alias", CA, "-dname", "CN=outbox test CA", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "30", "-ext", "bc:c");
        keytool("-exportcert", "-keystore", ca, "-alias", CA, "-rfc", "-file", caCertificate());
        keytool("-genkeypair", "-keystore", server, "-alias", SERVER, "-dname", "CN=localhost", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "30");
        keytool("-certreq", "-keystore", server, "-alias", SERVER, "-file", request);
        keytool("-gencert", "-keystore", ca, "-alias", CA, "-infile", request, "-outfile", serverCertificate(),
                "-rfc", "-validity", "30", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "EKU=serverAuth");
        keytool("-importcert", "-keystore", server, "-alias", CA, "-file", caCertificate(), "-noprompt");
        keytool("-importcert", "-keystore", server, "-alias", SERVER, "-file", serverCertificate(), "-noprompt");
        keytool("-importcert", "-keystore", truststore(), "-alias", CA, "-file", caCertificate(), "-noprompt");
        writeServerKeyPem();
    }

    private void keytool(Object... arguments) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        for (Object argument : arguments) {
            command.add(argument.toString());
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }

    /** PostgreSQL wants the key as PEM, readable by its owner only. */
    private void writeServerKeyPem() throws IOException {
        try (InputStream in = Files.newInputStream(serverKeystore())) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            Key key = store.getKey(SERVER, PASSWORD.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(serverKey(), pem, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(serverKey(), PosixFilePermissions.fromString("rw-------"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not read the generated server key", e);
        }
    }

    /** The authority's certificate (PEM), e.g. for PostgreSQL's {@code sslrootcert}. */
    public Path caCertificate() {
        return directory.resolve("ca.pem");
    }

    /** A PKCS12 truststore holding the authority's certificate, password {@link #storePassword()}. */
    public Path truststore() {
        return directory.resolve("truststore.p12");
    }

    /** A PKCS12 keystore with the server's key and certificate chain, password {@link #storePassword()}. */
    public Path serverKeystore() {
        return directory.resolve("server.p12");
    }

    /** The server's certificate (PEM), for PostgreSQL's {@code ssl_cert_file}. */
    public Path serverCertificate() {
        return directory.resolve("server.pem");
    }

    /** The server's private key (PKCS#8 PEM, mode 0600), for PostgreSQL's {@code ssl_key_file}. */
    public Path serverKey() {
        return directory.resolve("server.key");
    }

    /** The password of both PKCS12 stores and of the server key in them. */
    public String storePassword() {
        return PASSWORD;
    }

    /** Deletes the generated files. */
    public void delete() {
        Directories.deleteRecursively(directory);
    }
}
