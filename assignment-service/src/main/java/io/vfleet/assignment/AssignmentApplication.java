package io.vfleet.assignment;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The assignment service: who gets which device, across the fleet. */
@SpringBootApplication
public class AssignmentApplication {

    public static void main(String[] arguments) {
        SpringApplication.run(AssignmentApplication.class, arguments);
    }
}
