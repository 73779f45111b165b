package io.vfleet.rest;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * The container's error page, {@code /error}, as a problem of the vocabulary instead of Spring Boot's
 * own JSON: what a filter threw or a servlet refused before Spring MVC could answer. It says no more
 * than the status, since what failed there is not the caller's to read.
 */
@Controller
final class ProblemErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    @RequestMapping("${server.error.path:${error.path:/error}}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer number ? number : 500;
        ProblemType type = ProblemType.forStatus(status);
        Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (status >= 500 && failure instanceof Throwable thrown) {
            log.error("a request failed before Spring MVC handled it", thrown);
        }
        ProblemDetail problem = Problems.of(type, status >= 500 ? "internal error; see the service's log"
                : type.title());
        // Problems.of takes the type's own status; keep the one the container answered with.
        problem.setStatus(status);
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (uri != null) {
            try {
                problem.setInstance(java.net.URI.create(String.valueOf(uri)));
            } catch (IllegalArgumentException notAUri) {
                // A path the container let through but that is no URI: the problem goes without it.
            }
        }
        return ResponseEntity.status(status).body(problem);
    }
}
