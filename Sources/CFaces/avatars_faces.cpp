#include "avatars_faces.h"

#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

struct avatars_faces {
    cv::CascadeClassifier classifier;
    // A CascadeClassifier keeps working buffers between calls, so calls on one must not overlap.
    std::mutex turn;
};

extern "C" avatars_faces *avatars_faces_load(const char *path) {
    try {
        // Detection is one step of an upload on a render thread; OpenCV's own pool would
        // take the other cores from the renders.
        cv::setNumThreads(0);
        auto *detector = new avatars_faces();
        if (!detector->classifier.load(path) || detector->classifier.empty()) {
            delete detector;
            return nullptr;
        }
        return detector;
    } catch (...) {
        return nullptr;
    }
}

extern "C" void avatars_faces_free(avatars_faces *detector) {
    delete detector;
}

extern "C" int avatars_faces_detect(avatars_faces *detector, const unsigned char *grey, int width, int height,
    int stride, int min_side, int *boxes, int max) {
    if (!detector || !grey || width <= 0 || height <= 0 || stride < width || max < 0)
        return -1;
    try {
        // A header over the caller's pixels: no copy, and nothing of it outlives this call.
        const cv::Mat image(height, width, CV_8UC1, const_cast<unsigned char *>(grey), static_cast<size_t>(stride));
        cv::Mat equalized;
        cv::equalizeHist(image, equalized);
        std::vector<cv::Rect> faces;
        {
            std::lock_guard<std::mutex> lock(detector->turn);
            detector->classifier.detectMultiScale(
                equalized, faces, 1.1, 5, 0, cv::Size(min_side, min_side));
        }
        const int found = static_cast<int>(faces.size());
        for (int i = 0; i < found && i < max; i++) {
            boxes[4 * i] = faces[i].x;
            boxes[4 * i + 1] = faces[i].y;
            boxes[4 * i + 2] = faces[i].width;
            boxes[4 * i + 3] = faces[i].height;
        }
        return found;
    } catch (...) {
        return -1;
    }
}
