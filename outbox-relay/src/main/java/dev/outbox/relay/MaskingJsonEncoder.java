package dev.outbox.relay;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Logback's JSON encoder with every secret masked ({@link Secrets}) in the message and in the messages of the
 * throwable and its causes. The event is masked before encoding, not the encoded line: masking a JSON line could cut
 * through an escape sequence and leave invalid JSON.
 */
final class MaskingJsonEncoder extends JsonEncoder {

    @Override
    public byte[] encode(ILoggingEvent event) {
        return super.encode(masked(event, ILoggingEvent.class));
    }

    private static <T> T masked(T target, Class<T> type) {
        if (target == null) {
            return null;
        }
        InvocationHandler handler = (proxy, method, arguments) -> maskedResult(invoke(target, method, arguments));
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static Object invoke(Object target, Method method, Object[] arguments) throws Throwable {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Object maskedResult(Object result) {
        if (result instanceof String text) {
            return Secrets.mask(text);
        }
        if (result instanceof IThrowableProxy throwable) {
            return masked(throwable, IThrowableProxy.class);
        }
        if (result instanceof IThrowableProxy[] throwables) {
            IThrowableProxy[] maskedThrowables = new IThrowableProxy[throwables.length];
            for (int i = 0; i < throwables.length; i++) {
                maskedThrowables[i] = masked(throwables[i], IThrowableProxy.class);
            }
            return maskedThrowables;
        }
        return result;
    }
}
