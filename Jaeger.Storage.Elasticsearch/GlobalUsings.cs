global using HttpMethod = Elastic.Transport.HttpMethod;
