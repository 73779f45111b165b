package io.vfleet.assignment.adapter.checkpoint;

import io.vfleet.assignment.application.port.CheckpointArchive;
import io.vfleet.assignment.application.port.CheckpointKeys;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The checkpoint keys and the directory checkpoints are kept in, from {@code vfleet.audit}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CheckpointProperties.class)
class CheckpointConfiguration {

    @Bean
    CheckpointKeys checkpointKeys(CheckpointProperties properties) {
        return new KeyFiles(properties.signing());
    }

    @Bean
    CheckpointArchive checkpointArchive(CheckpointProperties properties) {
        return new CheckpointDirectory(properties.checkpoints().directory());
    }
}
