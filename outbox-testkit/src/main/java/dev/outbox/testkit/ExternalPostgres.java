package dev.outbox.testkit;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** A PostgreSQL server someone else runs, named by {@value #URL_VARIABLE}. Never stopped by the test kit. */
final class ExternalPostgres implements Postgres {

    static final String URL_VARIABLE = "OUTBOX_TEST_PG_URL";
    static final String USER_VARIABLE = "OUTBOX_TEST_PG_USER";
    static final String PASSWORD_VARIABLE = "OUTBOX_TEST_PG_PASSWORD";

    private final String host;
    private final int port;
    private final String user;
    private final String password;

    ExternalPostgres(String jdbcUrl, String user, String password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(URL_VARIABLE + " must look like jdbc:postgresql://host:port/database, was "
                    + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        this.host = uri.getHost();
        this.port = uri.getPort() == -1 ? 5432 : uri.getPort();
        this.user = user;
        this.password = password;
        verify(jdbcUrl);
    }

    private void verify(String jdbcUrl) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("loginTimeout", "5");
        try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new IllegalStateException("the PostgreSQL named by " + URL_VARIABLE + " (" + jdbcUrl
                        + ") has wal_level=" + rs.getString(1) + "; set wal_level=logical and restart it");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the PostgreSQL named by " + URL_VARIABLE + " (" + jdbcUrl
                    + ") does not answer as " + USER_VARIABLE + "=" + user + ": " + e.getMessage()
                    + ". Fix the server or the variables, or unset " + URL_VARIABLE
                    + " to use the embedded PostgreSQL", e);
        }
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public TestDatabase createDatabase(String name) {
        return TestDatabase.create(this, name);
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalPostgres[" + host + ":" + port + "]";
    }
}
