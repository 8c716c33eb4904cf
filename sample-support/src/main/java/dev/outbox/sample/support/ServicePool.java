package dev.outbox.sample.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The connection pool of a sample service. */
public final class ServicePool {

    private ServicePool() {
    }

    public static HikariDataSource create(String poolName, String jdbcUrl, String user, String password, int size) {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);
        pool.setUsername(user);
        pool.setPassword(password);
        pool.setMaximumPoolSize(size);
        pool.setPoolName(poolName);
        return new HikariDataSource(pool);
    }
}
