/* The floor of reading a plain CSV file (no quoted fields): read(2) it into one buffer, find every line end and
 * field separator with memchr, count lines and fields; with `strtod`, also parse every field as a number (strtod)
 * and count those that are numbers whole, as a reader typing its columns would.
 *
 * Usage: csv_scan FILE REPEATS scan|strtod. Prints the best time of REPEATS runs (reading included; the file is in
 * the page cache after the first), bytes per second, lines, fields, numeric fields and their sum.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s FILE REPEATS scan|strtod\n", argv[0]); return 2; }
  int parse = strcmp(argv[3], "strtod") == 0, repeats = atoi(argv[2]);
  double best = 1e30, sum = 0;
  long lines = 0, fields = 0, numbers = 0;
  size_t size = 0;
  for (int rep = 0; rep < repeats; rep++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 1; }
    size = (size_t)st.st_size;
    char *buffer = malloc(size + 1);
    for (size_t got = 0; got < size;) {
      ssize_t n = read(fd, buffer + got, size - got);
      if (n <= 0) { perror("read"); return 1; }
      got += (size_t)n;
    }
    close(fd);
    buffer[size] = '\n';  /* a sentinel: strtod stops there, and the last line ends */
    lines = fields = numbers = 0;
    sum = 0;
    for (char *line = buffer, *end = buffer + size; line < end;) {
      char *stop = memchr(line, '\n', (size_t)(end - line) + 1);
      lines++;
      for (char *field = line;;) {
        char *comma = memchr(field, ',', (size_t)(stop - field));
        char *fieldEnd = comma ? comma : stop;
        fields++;
        if (parse && fieldEnd > field) {
          char *parsed;
          double value = strtod(field, &parsed);
          if (parsed == fieldEnd) { numbers++; sum += value; }
        }
        if (!comma) break;
        field = comma + 1;
      }
      line = stop + 1;
    }
    free(buffer);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (seconds < best) best = seconds;
  }
  printf("%.6f s %.1f MB/s %ld lines %ld fields %ld numbers %.17g sum\n", best, size / best / 1e6, lines, fields,
         numbers, sum);
  return 0;
}
