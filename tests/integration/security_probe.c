/* Hostile probes run inside test containers (tests/integration/test_security_*.py).
 *
 *   probe socket FAMILY TYPE   socket(FAMILY, TYPE, 0): prints "ok" or "errno=N"
 *   probe syn DSTIP PORT       a TCP SYN as a raw Ethernet frame to the default
 *                              gateway's MAC, addressed to DSTIP:PORT (e.g. 127.0.0.1,
 *                              which the kernel would never send out itself); prints
 *                              "answered" on a SYN-ACK, "reset" on a RST, else "silent".
 *   probe udpecho PORT         answer each datagram on PORT with "pong:" + its data
 *
 * Static, no libc extras: built with `cc -static` by the test that uses it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int default_route(char *ifname, struct in_addr *gw) {
    FILE *f = fopen("/proc/net/route", "r");
    char line[256], name[IFNAMSIZ];
    unsigned dst, gate;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%15s %x %x", name, &dst, &gate) == 3 && dst == 0 && gate != 0) {
            strcpy(ifname, name);
            gw->s_addr = gate;
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    return -1;
}

static int gateway_mac(struct in_addr gw, unsigned char mac[6]) {
    /* A datagram to the gateway makes the kernel resolve its MAC. */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr = gw};
    sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
    close(s);
    for (int tries = 0; tries < 40; tries++) {
        FILE *f = fopen("/proc/net/arp", "r");
        char line[256], ip[64], hw[64];
        unsigned flags, m[6];
        while (f && fgets(line, sizeof line, f)) {
            if (sscanf(line, "%63s %*s %x %63s", ip, &flags, hw) == 3 && (flags & 2) &&
                inet_addr(ip) == gw.s_addr &&
                sscanf(hw, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
                for (int i = 0; i < 6; i++) mac[i] = (unsigned char)m[i];
                fclose(f);
                return 0;
            }
        }
        if (f) fclose(f);
        usleep(50000);
    }
    return -1;
}

static unsigned short checksum(const void *data, size_t len, unsigned long sum) {
    const unsigned short *p = data;
    for (; len > 1; len -= 2) sum += *p++;
    if (len) sum += *(const unsigned char *)p;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (unsigned short)~sum;
}

static int syn(const char *dst, int port) {
    char ifname[IFNAMSIZ];
    struct in_addr gw, src, daddr;
    unsigned char gwmac[6], frame[54] = {0}, buf[2048];
    struct ifreq ifr = {0};
    if (default_route(ifname, &gw) || gateway_mac(gw, gwmac) || !inet_aton(dst, &daddr)) {
        fprintf(stderr, "probe: no default route or gateway MAC\n");
        return 2;
    }
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (s < 0) { perror("probe: AF_PACKET"); return 2; }
    strcpy(ifr.ifr_name, ifname);
    if (ioctl(s, SIOCGIFINDEX, &ifr)) { perror("probe: SIOCGIFINDEX"); return 2; }
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                             .sll_ifindex = ifr.ifr_ifindex, .sll_halen = 6};
    memcpy(ll.sll_addr, gwmac, 6);
    if (bind(s, (struct sockaddr *)&ll, sizeof ll)) { perror("probe: bind"); return 2; }
    if (ioctl(s, SIOCGIFHWADDR, &ifr)) { perror("probe: SIOCGIFHWADDR"); return 2; }
    memcpy(frame, gwmac, 6);
    memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
    frame[12] = 0x08;
    if (ioctl(s, SIOCGIFADDR, &ifr)) { perror("probe: SIOCGIFADDR"); return 2; }
    src = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;

    struct iphdr *ip = (struct iphdr *)(frame + 14);
    struct tcphdr *tcp = (struct tcphdr *)(frame + 34);
    unsigned short sport = (unsigned short)(40000 + (getpid() ^ time(NULL)) % 20000);
    *ip = (struct iphdr){.version = 4, .ihl = 5, .tot_len = htons(40), .id = htons(1), .ttl = 64,
                         .protocol = IPPROTO_TCP, .saddr = src.s_addr, .daddr = daddr.s_addr};
    ip->check = checksum(ip, 20, 0);
    tcp->source = htons(sport);
    tcp->dest = htons((unsigned short)port);
    tcp->seq = htonl(0x1000);
    tcp->doff = 5;
    tcp->syn = 1;
    tcp->window = htons(64240);
    unsigned long pseudo = (src.s_addr & 0xffff) + (src.s_addr >> 16) + (daddr.s_addr & 0xffff) +
                           (daddr.s_addr >> 16) + htons(IPPROTO_TCP) + htons(20);
    tcp->check = checksum(tcp, 20, pseudo);

    const char *verdict = "silent";
    for (int round = 0; round < 3; round++) {
        send(s, frame, sizeof frame, 0);
        struct pollfd pfd = {.fd = s, .events = POLLIN};
        while (poll(&pfd, 1, 500) > 0) {
            ssize_t n = recv(s, buf, sizeof buf, 0);
            if (n < 54 || buf[12] != 0x08 || buf[13] != 0 || buf[23] != IPPROTO_TCP) continue;
            struct tcphdr *r = (struct tcphdr *)(buf + 14 + (buf[14] & 0xf) * 4);
            if (ntohs(r->dest) != sport || ntohs(r->source) == 0) continue;
            if (r->syn && r->ack) { puts("answered"); return 0; }
            if (r->rst) verdict = "reset";
        }
    }
    puts(verdict);
    return 0;
}

static int udpecho(int port) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    char buf[1500];
    if (bind(s, (struct sockaddr *)&me, sizeof me)) { perror("probe: bind"); return 2; }
    puts("ready");
    fflush(stdout);
    for (;;) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(s, buf + 5, sizeof buf - 5, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) continue;
        memcpy(buf, "pong:", 5);
        sendto(s, buf, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
    }
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "socket")) {
        int s = socket(atoi(argv[2]), atoi(argv[3]), 0);
        if (s < 0) printf("errno=%d\n", errno); else puts("ok");
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "syn")) return syn(argv[2], atoi(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "udpecho")) return udpecho(atoi(argv[2]));
    fprintf(stderr, "usage: probe socket FAMILY TYPE | probe syn DSTIP PORT | probe udpecho PORT\n");
    return 2;
}
